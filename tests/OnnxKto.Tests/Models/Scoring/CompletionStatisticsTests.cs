using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Models.Scoring;

namespace OnnxKto.Tests.Models.Scoring;

[TestClass]
public sealed class CompletionStatisticsTests
{
    [TestMethod]
    public void SequenceLogProbIsASumOverCompletionTokens()
    {
        // Vocabulary 3; completion = tokens 2 and 3 (ids 1 and 2), scored by logits rows 1 and 2:
        // log softmax([.5, .5, 0])[1] + log softmax([0, 2, 0])[2] = −0.9580 − 2.2395 = −3.1975648542.
        double[] logits = [1, 0, -1, .5, .5, 0, 0, 2, 0, 1, 1, 1, 0, 0, 3];
        var r = Run(logits, [0, 2, 1, 2, 0], [0, 0, 1, 1, 0]);
        Assert.AreEqual(-3.1975648542, r.Logps, 1e-10);
        Assert.AreEqual(2, r.Tokens);
        Assert.AreEqual((1.0 / 3) + (2.0 / 3), r.LogitsSum, 1e-12, "mean logit of rows 1 and 2");
    }

    [TestMethod]
    public void PromptAndPaddingDoNotCount()
    {
        double[] logits = [1, 0, -1, .5, .5, 0, 0, 2, 0, 1, 1, 1, 0, 0, 3];
        // Full logits only: the completion-rows path needs at least one completion token (ORT mis-shapes reductions of
        // empty tensors), which data shaping guarantees for every example.
        var r = RunOne(logits, [0, 2, 1, 2, 0], [0, 0, 0, 0, 0], hiddenStates: false);
        Assert.AreEqual(0, r.Logps);
        Assert.AreEqual(0, r.Tokens);
    }

    /// <summary>
    /// The head in pieces gives the same statistics as in one go: 2 scored rows in 1, 2 or 3 pieces (3: more pieces than
    /// rows, padded), and 3 rows in 2 pieces (a count the pieces do not divide).
    /// </summary>
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(7)]
    public void HeadInPiecesGivesTheSameStatistics(int chunks)
    {
        double[] logits = [1, 0, -1, .5, .5, 0, 0, 2, 0, 1, 1, 1, 0, 0, 3];
        foreach (long[] mask in new[] { new long[] { 0, 0, 1, 1, 0 }, [0, 1, 1, 1, 0], [0, 0, 0, 1, 0] })
        {
            var whole = RunOne(logits, [0, 2, 1, 2, 0], mask, hiddenStates: true);
            var pieces = RunOne(logits, [0, 2, 1, 2, 0], mask, hiddenStates: true, chunks);
            Assert.AreEqual(whole.Logps, pieces.Logps, 1e-12, $"{chunks} pieces, mask {string.Join("", mask)}");
            Assert.AreEqual(whole.LogitsSum, pieces.LogitsSum, 1e-12);
            Assert.AreEqual(whole.Tokens, pieces.Tokens);
        }
    }

    /// <summary>
    /// Gemma 2's final soft-cap on the completion-rows path, whole and in pieces: the statistics of c·tanh(logit / c)
    /// fed as full logits, the mean logit included (which is no longer h·mean(W)).
    /// </summary>
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(7)]
    public void SoftCappedHeadGivesTheStatisticsOfCappedLogits(int chunks)
    {
        double[] logits = [1, 0, -1, .5, .5, 0, 0, 2, 0, 1, 1, 1, 0, 0, 3];
        const double cap = 0.8;
        long[] ids = [0, 2, 1, 2, 0], mask = [0, 1, 1, 1, 0];
        var capped = RunOne(logits.Select(l => cap * Math.Tanh(l / cap)).ToArray(), ids, mask, hiddenStates: false);
        var actual = RunOne(logits, ids, mask, hiddenStates: true, chunks, softcap: cap);
        Assert.AreEqual(capped.Logps, actual.Logps, 1e-12);
        Assert.AreEqual(capped.LogitsSum, actual.LogitsSum, 1e-12);
        Assert.AreNotEqual(RunOne(logits, ids, mask, hiddenStates: false).Logps, capped.Logps, 1e-3, "the cap bites");
    }

    [TestMethod]
    public void HeadPiecesAreSegmentsFromRowsToLogProbs()
    {
        var g = new Graph("logps");
        var b = new GraphBuilder(g);
        var stats = CompletionStatistics.FromHiddenStates(b, g.AddInput("hidden", DataType.Float, new Shape("rows", 3)),
            g.AddInput("head", DataType.Float, new Shape(5, 3)), g.AddInput("ids", DataType.Int64, new Shape("batch", "seq")),
            g.AddInput("mask", DataType.Int64, new Shape("batch", "seq")), chunks: 4);
        Assert.AreEqual(4, stats.HeadChunks.Count);
        Assert.IsTrue(stats.HeadChunks.All(c => c.Inputs.Single().Rank == 2 && c.Output.Rank == 1));
        Assert.AreEqual(4, g.Nodes.Count(n => n.OpType == "Gemm"), "one head GEMM per piece");
    }

    /// <summary>Runs both entry points: full logits, and hidden rows with an identity head (logits = hidden·Iᵀ).</summary>
    private static (double Logps, double LogitsSum, double Tokens) Run(double[] logits, long[] ids, long[] mask)
    {
        var viaLogits = RunOne(logits, ids, mask, hiddenStates: false);
        var viaHidden = RunOne(logits, ids, mask, hiddenStates: true);
        Assert.AreEqual(viaLogits.Logps, viaHidden.Logps, 1e-12, "the completion-rows path agrees with the full-logits path");
        Assert.AreEqual(viaLogits.LogitsSum, viaHidden.LogitsSum, 1e-12);
        return viaLogits;
    }

    private static (double Logps, double LogitsSum, double Tokens) RunOne(double[] logits, long[] ids, long[] mask, bool hiddenStates, int chunks = 1,
        double? softcap = null)
    {
        var g = new Graph("logps");
        var b = new GraphBuilder(g);
        var i = g.AddInput("ids", DataType.Int64, new Shape("batch", "seq"));
        var m = g.AddInput("mask", DataType.Int64, new Shape("batch", "seq"));
        var feeds = new Dictionary<string, TensorData> { ["ids"] = TensorData.FromLongs([1, 5], ids), ["mask"] = TensorData.FromLongs([1, 5], mask) };
        CompletionStatistics stats;
        if (hiddenStates)
        {
            var h = g.AddInput("hidden", DataType.Double, new Shape("rows", 3));
            var w = g.AddInput("head", DataType.Double, new Shape(3, 3));
            stats = CompletionStatistics.FromHiddenStates(b, h, w, i, m, chunks, softcap);
            feeds["hidden"] = TensorData.FromDoubles([5, 3], logits);
            feeds["head"] = TensorData.FromDoubles([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
        }
        else
        {
            var l = g.AddInput("logits", DataType.Double, new Shape("batch", "seq", 3));
            stats = CompletionStatistics.FromLogits(b, l, i, m);
            feeds["logits"] = TensorData.FromDoubles([1, 5, 3], logits);
        }
        g.AddOutput(stats.SequenceLogps);
        g.AddOutput(stats.LogitsSum);
        g.AddOutput(stats.TokenCount);
        using var session = new OnnxSession(g);
        var result = session.Run(feeds);
        return (result[stats.SequenceLogps.Name].ToDoubles()[0], result[stats.LogitsSum.Name].ToDoubles()[0], result[stats.TokenCount.Name].ToDoubles()[0]);
    }
}
