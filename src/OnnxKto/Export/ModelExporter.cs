using OnnxKto.Export.Adapters;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Runtime;

namespace OnnxKto.Export;

/// <summary>
/// Writes a trained model for serving and for Hugging Face (ORT's <c>ExportModelForInferencing</c>, plus the files
/// GenAI and transformers expect): <c>model.onnx</c> + <c>model.onnx.data</c> (the KV-cache decoder, weights as
/// initializers, standard ONNX only), <c>genai_config.json</c>, the tokenizer files, <c>model.safetensors</c> (Hugging Face
/// names, no tied head) and <c>config.json</c>. With <c>optimize</c>, also <c>model.optimized.onnx</c> as ORT optimizes it.
/// </summary>
public static class ModelExporter
{
    /// <summary>
    /// Exports the checkpoint <paramref name="checkpoint"/> (a run folder, <c>RUN/checkpoint-N</c> or a checkpoint file).
    /// A LoRA run's export is the merged model, or with <see cref="AdapterExport.GenAi"/> the base model with adapter inputs
    /// plus <see cref="OnnxAdapterFile.DefaultName"/>; either way plus the PEFT adapter in <see cref="PeftAdapterWriter.Folder"/>.
    /// </summary>
    /// <param name="checkpoint">A run folder, <c>RUN/checkpoint-N</c> or a checkpoint file.</param>
    /// <param name="outDir">Output folder.</param>
    /// <param name="optimize">Also save ORT's optimized graph.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="adapters">How a LoRA run's adapter is served.</param>
    /// <returns>The files written, full paths.</returns>
    /// <exception cref="UserError"><see cref="AdapterExport.GenAi"/> for a run trained without LoRA.</exception>
    public static IReadOnlyList<string> Export(string checkpoint, string outDir, bool optimize = false, Action<string>? log = null,
        AdapterExport adapters = AdapterExport.Merged)
    {
        string peftFolder = Path.Combine(Path.GetFullPath(outDir), PeftAdapterWriter.Folder);
        if (adapters == AdapterExport.GenAi)
        {
            var (source, adapter) = TrainedCheckpoint.LoadUnmerged(checkpoint);
            if (adapter is null)
                throw new UserError($"'{checkpoint}' is a full fine-tuning run: it has no LoRA adapter to serve with --adapters genai.",
                    "Train with use_peft: true (and lora_r, lora_alpha, lora_target_modules), or export without --adapters.");
            return [.. Export(source, outDir, optimize, log, adapter.Targets), .. PeftAdapterWriter.Write(adapter, source.Spec, peftFolder, log)];
        }
        var trained = TrainedCheckpoint.LoadTrained(checkpoint);
        var written = Export(trained.Model, outDir, optimize, log);
        return trained.Adapter is not { } merged ? written : [.. written, .. PeftAdapterWriter.Write(merged, trained.Model.Spec, peftFolder, log)];
    }

    /// <summary>Exports <paramref name="source"/>'s weights into <paramref name="outDir"/> (created; files replaced).</summary>
    /// <param name="source">Configuration, weights, and the model folder or preset the tokenizer and config come from.</param>
    /// <param name="outDir">Output folder; must not be the source model's folder.</param>
    /// <param name="optimize">Also save ORT's optimized graph (ORT-specific fused operators; loads only in ONNX Runtime).</param>
    /// <param name="log">Progress lines.</param>
    /// <exception cref="UserError">The output folder is the source model's folder.</exception>
    /// <exception cref="DirectoryNotFoundException">The model folder recorded for the checkpoint no longer exists.</exception>
    public static IReadOnlyList<string> Export(ModelSource source, string outDir, bool optimize = false, Action<string>? log = null) =>
        Export(source, outDir, optimize, log, servedAdapter: null);

    /// <summary>
    /// As the public overload, and with <paramref name="servedAdapter"/> LoRA adapters to serve unmerged (ORT GenAI):
    /// <c>model.onnx</c> then takes each adapter matrix as an optional input (<see cref="LoraAdapterInputs"/>; with none fed
    /// it is <paramref name="source"/>'s model) and A and B go to <see cref="OnnxAdapterFile.DefaultName"/> beside it.
    /// <paramref name="source"/> holds the base weights.
    /// </summary>
    /// <exception cref="UserError">The output folder is the source model's folder, or an adapter does not fit the model.</exception>
    internal static IReadOnlyList<string> Export(ModelSource source, string outDir, bool optimize, Action<string>? log,
        IReadOnlyList<LoraTarget>? servedAdapter)
    {
        log ??= _ => { };
        var root = Path.GetFullPath(outDir);
        if (!source.IsPreset && Path.GetFullPath(source.Spec).TrimEnd(Path.DirectorySeparatorChar) == root.TrimEnd(Path.DirectorySeparatorChar))
            throw new UserError($"Export folder '{root}' is the model's own folder; choose another --out so its files are not overwritten.");
        if (!source.IsPreset && !Directory.Exists(source.Spec))
            throw new DirectoryNotFoundException($"Model folder '{source.Spec}' (recorded in the artifacts' manifest) does not exist; config.json and the tokenizer are copied from it.");
        Directory.CreateDirectory(root);
        var written = new List<string>();
        string Out(string name)
        {
            var path = Path.Combine(root, name);
            written.Add(path);
            return path;
        }

        var decoder = ModelBuilders.For(source.Config).Build(new DecoderOptions { KvCache = true });
        var model = GraphFreezing.Freeze(decoder.Graph, source.Weights);
        if (servedAdapter is { Count: > 0 }) model = LoraAdapterInputs.AddTo(model, servedAdapter);
        var modelPath = Out(ModelFiles.Onnx);
        OnnxModelFile.Save(model, modelPath, externalData: true);
        written.Add(modelPath + ".data");
        log($"wrote {ModelFiles.Onnx} (+ .data): {model.Nodes.Count} nodes, {model.Initializers.Count} initializers, inputs {string.Join(", ", model.Inputs.Take(4).Select(i => i.Name))}, ...");

        if (servedAdapter is { Count: > 0 })
        {
            OnnxAdapterFile.Write(Out(OnnxAdapterFile.DefaultName), LoraAdapterInputs.Tensors(servedAdapter));
            log($"wrote {OnnxAdapterFile.DefaultName}: LoRA matrices of {servedAdapter.Count} layers, served by ORT GenAI without merging");
        }

        SafetensorsWriter.Write(Out(ModelFiles.Weights), source.Weights, new Dictionary<string, string> { ["format"] = "pt" });
        log($"wrote {ModelFiles.Weights}: {source.Weights.Count} tensors under Hugging Face names");

        if (source.IsPreset)
        {
            File.WriteAllText(Out(ModelFiles.Config), HfConfig.ToJson(source.Config));
            Gpt2TokenizerFiles.Write(root);
            written.Add(Path.Combine(root, "tokenizer.json"));
            written.Add(Path.Combine(root, "tokenizer_config.json"));
        }
        else
            foreach (var name in ModelFiles.TokenizerFiles.Prepend(ModelFiles.Config).Where(n => File.Exists(Path.Combine(source.Spec, n))))
                File.Copy(Path.Combine(source.Spec, name), Out(name), overwrite: true);
        log($"wrote {ModelFiles.Config} and the tokenizer files");

        // Reading the tokenizer back from the export proves the folder is self-contained.
        var tokenizer = ModelTokenizer.Load(root);
        int eos = source.Config.EosTokenId ?? tokenizer.EosTokenId;
        File.WriteAllText(Out(ModelFiles.GenAiConfig), GenAiConfig.ToJson(source.Config,
            bosTokenId: source.Config.BosTokenId ?? tokenizer.BosTokenId ?? eos, eosTokenId: eos,
            padTokenId: source.Config.PadTokenId ?? tokenizer.PadTokenId, ModelFiles.Onnx));
        log($"wrote {ModelFiles.GenAiConfig} (type '{GenAiConfig.ModelType(source.Config)}')");

        if (optimize)
        {
            using var _ = new OnnxSession(modelPath, optimizedModelPath: Out(ModelFiles.OptimizedOnnx));
            written.Add(Path.Combine(root, ModelFiles.OptimizedOnnx + ".data"));
            log($"wrote {ModelFiles.OptimizedOnnx} (ONNX Runtime's optimized graph)");
        }
        return written.Distinct().Where(File.Exists).ToList();
    }
}
