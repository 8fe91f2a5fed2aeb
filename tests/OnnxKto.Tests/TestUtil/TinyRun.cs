using System.Text.Json;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// A tiny Hugging Face-layout GPT-2 folder (written by <see cref="TinyRuns"/>: vocabulary 14, &lt;|endoftext|&gt; = 10)
/// and a separable pre-tokenized KTO task, for end-to-end training tests.
/// </summary>
public static class TinyRun
{
    public const int Eos = 10;

    public static ModelConfig Config { get; } = new()
    {
        ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = 14, HiddenSize = 16, NumLayers = 1, NumHeads = 2,
        NumKvHeads = 2, HeadDim = 8, IntermediateSize = 32, MaxPositions = 32, TieWordEmbeddings = true, AttentionBias = true,
        EosTokenId = Eos, BosTokenId = Eos,
    };

    /// <summary>Writes the model folder (GPT-2's small-std initialisation) into <paramref name="folder"/> and returns its path.</summary>
    public static string WriteModel(string folder, int seed = 1)
    {
        TinyRuns.WriteModelFolder(folder, Config, ParameterInitializer.Initialize(ModelBuilders.For(Config).Build().Parameters, seed));
        return folder;
    }

    /// <summary>
    /// Prompts [p, 3] with p ∈ {0, 1, 2}; the desirable completion is token 4 + (p mod 2), the undesirable one the
    /// other; completions end with EOS. Written as pre-tokenized JSONL.
    /// </summary>
    public static string WriteData(string path, int rows, int seed = 3)
    {
        var rng = new Random(seed);
        using var writer = new StreamWriter(path);
        for (int i = 0; i < rows; i++)
        {
            int p = rng.Next(3);
            bool good = rng.Next(2) == 0;
            int answer = good ? 4 + p % 2 : 5 - p % 2;
            writer.WriteLine(JsonSerializer.Serialize(new { prompt_ids = new[] { p, 3 }, completion_ids = new[] { answer, Eos }, label = good }));
        }
        return path;
    }

    /// <summary>Generates artifacts for the tiny model with <paramref name="config"/>.</summary>
    public static string Artifacts(string modelFolder, string folder, KtoConfig config)
    {
        ArtifactGenerator.Generate(ModelSource.Load(modelFolder), config, folder);
        return folder;
    }

    /// <summary>The metrics.jsonl lines of a run that carry a step, as dictionaries.</summary>
    public static List<Dictionary<string, double?>> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => JsonSerializer.Deserialize<Dictionary<string, double?>>(l)!)
            .Where(m => m.ContainsKey("step")).ToList();
}
