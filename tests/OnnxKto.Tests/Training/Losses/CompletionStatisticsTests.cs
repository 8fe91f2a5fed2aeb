using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Losses;

namespace OnnxKto.Tests.Training.Losses;

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
        var r = Run(logits, [0, 2, 1, 2, 0], [0, 0, 0, 0, 0]);
        Assert.AreEqual(0, r.Logps);
        Assert.AreEqual(0, r.Tokens);
    }

    private static (double Logps, double LogitsSum, double Tokens) Run(double[] logits, long[] ids, long[] mask)
    {
        var g = new Graph("logps");
        var b = new GraphBuilder(g);
        var l = g.AddInput("logits", DataType.Double, new Shape("batch", "seq", 3));
        var i = g.AddInput("ids", DataType.Int64, new Shape("batch", "seq"));
        var m = g.AddInput("mask", DataType.Int64, new Shape("batch", "seq"));
        var stats = CompletionStatistics.Build(b, l, i, m);
        g.AddOutput(stats.SequenceLogps);
        g.AddOutput(stats.LogitsSum);
        g.AddOutput(stats.TokenCount);
        using var session = new OnnxSession(g);
        var result = session.Run(new Dictionary<string, TensorData>
        {
            ["logits"] = TensorData.FromDoubles([1, 5, 3], logits), ["ids"] = TensorData.FromLongs([1, 5], ids), ["mask"] = TensorData.FromLongs([1, 5], mask),
        });
        return (result[stats.SequenceLogps.Name].ToDoubles()[0], result[stats.LogitsSum.Name].ToDoubles()[0], result[stats.TokenCount.Name].ToDoubles()[0]);
    }
}
