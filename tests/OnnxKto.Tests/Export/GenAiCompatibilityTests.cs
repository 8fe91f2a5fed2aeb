using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntimeGenAI;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Export;

/// <summary>Loads exported folders in ONNX Runtime GenAI 0.18 (CPU) and compares its greedy search with ours.</summary>
[TestClass]
public sealed class GenAiCompatibilityTests
{
    [TestMethod]
    [DataRow("gpt2", true)]
    [DataRow("gpt2", false)]
    [DataRow("llama", false)]
    [DataRow("qwen2", false)]
    [DataRow("llama3-rope", false)]
    [DataRow("qwen3", false)]
    [DataRow("olmo2", false)]
    [DataRow("smollm3", false)]
    [DataRow("mistral-sliding", false)]
    [DataRow("qwen2-sliding", false)]
    public void GenAiGreedySearchMatchesOurGenerator(string architecture, bool stopAtEos)
    {
        var config = TinyModels.ByName(architecture) with { MaxPositions = 16 };  // GenAI's max_length may not exceed context_length
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, config, 4);
        var exported = dir.File("export");
        ModelExporter.Export(run, exported);
        int[] prompt = [3, 1, 4, 1, 5];
        const int newTokens = 10;

        int[] ours;
        if (stopAtEos)
        {
            using var model = InferenceModel.Open(exported);
            ours = new TextGenerator(model).Generate([prompt], new GenerationOptions { MaxNewTokens = newTokens })[0];
        }
        else
        {
            // Compare every step: generate without a reachable EOS, then give GenAI an EOS id that greedy search never picks.
            var source = ModelSource.Load(exported);
            using var model = InferenceModel.FromSource(source with { Config = source.Config with { EosTokenId = -1 } });
            ours = new TextGenerator(model).Generate([prompt], new GenerationOptions { MaxNewTokens = newTokens })[0];
            int unused = Enumerable.Range(0, config.VocabSize).First(t => !ours.Contains(t));
            var path = Path.Combine(exported, ModelFiles.GenAiConfig);
            var json = JsonNode.Parse(File.ReadAllText(path))!;
            json["model"]!["eos_token_id"] = unused;
            File.WriteAllText(path, json.ToJsonString());
            Assert.AreEqual(newTokens, ours.Length);
        }

        using var genAiModel = new Model(exported);
        using var parameters = new GeneratorParams(genAiModel);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(genAiModel, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var sequence = generator.GetSequence(0).ToArray();

        // Both stop at EOS and leave it out of the sequence.
        int[] expected = [.. prompt, .. ours];
        CollectionAssert.AreEqual(expected, sequence, $"GenAI: [{string.Join(", ", sequence)}], ours: [{string.Join(", ", expected)}]");
    }
}
