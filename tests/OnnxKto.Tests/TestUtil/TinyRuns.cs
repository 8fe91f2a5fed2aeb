using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Tiny Hugging Face model folders (config, weights, a byte-level BPE tokenizer of letters whose EOS is id 10) and
/// run folders shaped like the trainer's: artifacts plus <c>checkpoint-&lt;step&gt;/checkpoint.safetensors</c>.
/// </summary>
internal static class TinyRuns
{
    // Letters a..j are ids 0..9; <|endoftext|> is 10, matching TinyModels' EOS.
    private const string Vocab = """{"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5, "g": 6, "h": 7, "i": 8, "j": 9, "<|endoftext|>": 10}""";

    /// <summary>Writes a model folder for <paramref name="config"/> with random weights and returns them.</summary>
    public static Dictionary<string, TensorData> WriteModelFolder(string folder, ModelConfig config, int seed) =>
        WriteModelFolder(folder, config, TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed));

    /// <summary>Writes a model folder for <paramref name="config"/> holding <paramref name="weights"/>.</summary>
    public static Dictionary<string, TensorData> WriteModelFolder(string folder, ModelConfig config, Dictionary<string, TensorData> weights)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), HfConfig.ToJson(config));
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), weights);
        File.WriteAllText(Path.Combine(folder, "vocab.json"), Vocab);
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n");
        return weights;
    }

    /// <summary>
    /// A run folder under <paramref name="root"/>: a model folder, its artifacts, and checkpoints at the given steps,
    /// each holding weights drawn from its own seed (so the "trained" weights differ from the model folder's).
    /// Returns the run folder and the weights of each step.
    /// </summary>
    public static (string Run, Dictionary<long, Dictionary<string, TensorData>> Weights) WriteRun(string root, ModelConfig config, params long[] steps)
    {
        var model = Path.Combine(root, "model");
        WriteModelFolder(model, config, seed: 1);
        var artifacts = Path.Combine(root, "artifacts");
        ArtifactGenerator.Generate(ModelSource.Load(model), new KtoConfig(), artifacts);
        var run = Path.Combine(root, "run");
        var byStep = new Dictionary<long, Dictionary<string, TensorData>>();
        foreach (var step in steps)
        {
            var weights = TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed: 100 + (int)step);
            var tensors = new Dictionary<string, TensorData>(weights);
            foreach (var (name, w) in weights) tensors[name + ".exp_avg"] = w;
            TrainingCheckpoint.Create(tensors, step, new Dictionary<string, string> { ["artifacts"] = artifacts })
                .Save(Path.Combine(run, $"checkpoint-{step}", ArtifactNames.Checkpoint));
            byStep[step] = weights;
        }
        return (run, byStep);
    }
}
