using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Training.Artifacts;

/// <summary>
/// The generation tool: turns a model and a config into a folder of training artifacts, shaped like ONNX Runtime's
/// on-device training artifacts but in standard ONNX operators only: training, eval, reference, gradient norm and
/// optimizer graphs, the initial checkpoint and <c>manifest.json</c>.
/// </summary>
public static class ArtifactGenerator
{
    /// <summary>Writes the artifacts for <paramref name="source"/> into <paramref name="folder"/> and returns the manifest.</summary>
    /// <param name="source">The model (its weights become the initial checkpoint and the reference).</param>
    /// <param name="config">Loss, optimizer and trainable-parameter settings.</param>
    /// <param name="folder">Output folder; created if needed, files replaced.</param>
    /// <param name="log">Progress lines.</param>
    public static ArtifactManifest Generate(ModelSource source, KtoConfig config, string folder, Action<string>? log = null)
    {
        log ??= _ => { };
        Directory.CreateDirectory(folder);
        log($"building the {source.Config.ModelType} forward graph ({source.Config.NumLayers} layers, width {source.Config.HiddenSize})");
        var model = ModelBuilders.For(source.Config).Build(new DecoderOptions { HiddenStates = true, Lora = config.Lora });
        if (model.LoraLayers.Count > 0)
            log($"LoRA: r {config.Lora.R}, alpha {config.Lora.Alpha}, adapters on {model.LoraLayers.Count} modules " +
                $"({string.Join(", ", model.LoraLayers.Select(l => l.Module[(l.Module.LastIndexOf('.') + 1)..]).Distinct())}); the base is frozen");
        log($"differentiating the {config.Loss.LossType.ToConfigName()} loss");
        var graphs = TrainingGraphs.Build(model, config);
        var files = new (string Name, Graph Graph)[]
        {
            (ArtifactNames.TrainingModel, graphs.Training), (ArtifactNames.EvalModel, graphs.Eval),
            (ArtifactNames.ReferenceModel, graphs.Reference), (ArtifactNames.GradientNormModel, graphs.GradientNorm),
            (ArtifactNames.OptimizerModel, graphs.Optimizer),
        };
        foreach (var (name, graph) in files)
        {
            OnnxModelFile.Save(graph, Path.Combine(folder, name));
            log($"wrote {name}: {graph.Nodes.Count} nodes, {graph.Inputs.Count} inputs, {graph.Outputs.Count} outputs");
        }

        var kind = config.Optimizer.Kind;
        var trainable = graphs.Trainable.Select(p => p.Name).ToHashSet();
        var manifest = new ArtifactManifest
        {
            Model = source.Spec,
            ModelConfig = source.Config,
            Config = config,
            Parameters = model.Parameters.Select(p => new ManifestParameter(p.Name, p.Shape, trainable.Contains(p.Name), p.Decay)).ToList(),
            OptimizerState = graphs.Trainable.SelectMany(p => OptimizerGraph.StateNames(kind, p.Name)).ToList(),
            Graphs = files.ToDictionary(f => f.Name, f => new GraphInterface(
                f.Graph.Inputs.Select(i => i.Name).ToList(), f.Graph.Outputs.Select(o => o.Name).ToList())),
            ModelFingerprint = ModelFingerprint(source),
            ConfigFingerprint = ArtifactManifest.Fingerprint(config),
        };

        var tensors = new Dictionary<string, TensorData>(source.Weights);
        // New adapters: A seeded Kaiming-uniform, B zero (the model folder has neither).
        foreach (var (name, value) in ParameterInitializer.Initialize(model.Parameters.Where(p => !source.Weights.ContainsKey(p.Name)), config.Data.Seed))
            tensors[name] = value;
        foreach (var p in graphs.Trainable)
            foreach (var state in OptimizerGraph.StateNames(kind, p.Name))
                tensors[state] = TensorData.FromFloats(p.Shape, new float[p.ElementCount]);
        TrainingCheckpoint.Create(tensors, 0, new Dictionary<string, string>
        {
            ["model_fingerprint"] = manifest.ModelFingerprint, ["config_fingerprint"] = manifest.ConfigFingerprint,
        }).Save(Path.Combine(folder, ArtifactNames.Checkpoint));
        log($"wrote {ArtifactNames.Checkpoint}: {model.Parameters.Count} parameters ({model.Parameters.Sum(p => p.ElementCount):N0} values), {graphs.Trainable.Count} trainable");

        File.WriteAllText(Path.Combine(folder, ArtifactNames.Manifest), manifest.ToJson());
        return manifest;
    }

    /// <summary>Architecture plus a hash of the initial weights' bytes (sampled, so huge models stay fast).</summary>
    private static string ModelFingerprint(ModelSource source)
    {
        var sample = source.Weights.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => $"{w.Key}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(w.Value.Chunks(1 << 16).FirstOrDefault().Span))}");
        return ArtifactManifest.Fingerprint(new { source.Config, weights = string.Join(";", sample) });
    }
}
