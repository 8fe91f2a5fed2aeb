using OnnxKto.Data;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Generation;

[TestClass]
public sealed class CompletionScorerTests
{
    private static readonly TokenizedExample[] Examples =
    [
        new([1, 5, 9], [2, 7, 10], true),
        new([3], [8, 10], false),
        new([4, 4, 6, 2, 1], [10], true),
    ];

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void LogpsOfAModelFolderAndOfItsExportEqualTheReferenceSums(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        using var dir = new TempFolder();
        var weights = TinyRuns.WriteModelFolder(dir.File("model"), config, seed: 11);
        ModelExporter.Export(ModelSource.Load(dir.File("model")), dir.File("export"));
        var expected = Examples.Select(e => ReferenceLogps(config, weights, e)).ToArray();

        foreach (var spec in new[] { dir.File("model"), dir.File("export") })
        {
            using var model = InferenceModel.Open(spec);
            using var scorer = new CompletionScorer(model);
            var actual = scorer.Score(Examples, batchSize: 2);  // a padded batch and a batch of one
            for (int i = 0; i < Examples.Length; i++)
                Assert.AreEqual(expected[i], actual[i], 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"{spec}: example {i}");
        }
    }

    /// <summary>Σ over completion tokens of log softmax(reference logits at t−1)[token t], each example alone.</summary>
    internal static double ReferenceLogps(ModelConfig config, Dictionary<string, TensorData> weights, TokenizedExample e)
    {
        long[] ids = [.. e.PromptIds.Select(t => (long)t), .. e.CompletionIds.Select(t => (long)t)];
        var logits = ReferenceTransformer.Logits(config, weights.ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened()), ids,
            Enumerable.Repeat(1L, ids.Length).ToArray(), 1, ids.Length);
        int v = config.VocabSize;
        double sum = 0;
        for (int t = e.PromptIds.Length; t < ids.Length; t++)
        {
            var row = logits.AsSpan((t - 1) * v, v);
            double max = row.ToArray().Max();
            double logSumExp = max + Math.Log(row.ToArray().Sum(x => Math.Exp(x - max)));
            sum += row[(int)ids[t]] - logSumExp;
        }
        return sum;
    }
}
