using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Losses;

namespace OnnxKto.Tests.Training.Losses;

/// <summary>
/// The BCO loss graph against values worked by hand from TRL's formula (β = 0.1): rewards r = [0.1, −0.05, 0.1, −0.1];
/// with a running mean m = 0.02 over N = 6 rewards, δ = (6·0.02 + 0.05)/10 = 0.017; loss = mean of softplus(−(r − δ))
/// (desirable) and softplus(r − δ) (undesirable); d loss / d log π = β·(−σ(−(r − δ)) or σ(r − δ))/4.
/// </summary>
[TestClass]
public sealed class BcoLossTests
{
    private static readonly double[] Policy = [-10, -12, -8, -15], Reference = [-11, -11.5, -9, -14];
    private static readonly bool[] Labels = [true, false, true, false];

    [TestMethod]
    public void TrainingFoldsTheBatchIntoTheRunningMean()
    {
        var r = Run(count: 6);
        Assert.AreEqual(0.017, r["delta"][0], 1e-12);
        Assert.AreEqual(0.6503954120, r["loss"][0], 1e-10);
        double[] expected = [-0.0119815476, 0.0120814066, -0.0119815476, 0.0117695830];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], r["policy_grad"][i], 1e-10, $"example {i}");
        CollectionAssert.AreEqual(new[] { 0.1, -0.05, 0.1, -0.1 }, r["rewards"].Select(v => Math.Round(v, 12)).ToArray());
        Assert.AreEqual(0, r["mean_grad"][0], "δ carries no gradient");
    }

    /// <summary>Evaluation does not update the running mean: δ = m (TRL's do_train=False).</summary>
    [TestMethod]
    public void EvaluationUsesTheRunningMeanAsIs()
    {
        var r = Run(count: null);
        Assert.AreEqual(0.02, r["delta"][0], 1e-12);
        Assert.AreEqual(0.6503998979, r["loss"][0], 1e-10);
    }

    private static Dictionary<string, double[]> Run(double? count)
    {
        int n = Policy.Length;
        var g = new Graph("loss");
        var b = new GraphBuilder(g);
        var p = g.AddInput("policy", DataType.Double, new Shape(n));
        var r = g.AddInput("reference", DataType.Double, new Shape(n));
        var label = g.AddInput("label", DataType.Bool, new Shape(n));
        var mean = g.AddInput("mean", DataType.Double, Shape.Scalar);
        var seen = count is null ? null : g.AddInput("count", DataType.Double, Shape.Scalar);
        var outputs = BcoLoss.Build(b, new LossSettings(LossType.Bco, 0.1), p, r, label, mean, seen);
        var loss = b.Output(outputs.Loss, "loss");
        b.Output(outputs.Rewards, "rewards");
        b.Output(outputs.Delta, "delta");
        var backward = ReverseModeAutodiff.Gradients(g, loss, [p, mean]);
        var feeds = new Dictionary<string, TensorData>
        {
            ["policy"] = TensorData.FromDoubles([n], Policy), ["reference"] = TensorData.FromDoubles([n], Reference),
            ["label"] = TensorData.FromBools([n], Labels), ["mean"] = TensorData.FromDoubles([], [0.02]),
        };
        if (count is { } c) feeds["count"] = TensorData.FromDoubles([], [c]);
        using var session = new OnnxSession(backward, optimize: false);
        var result = session.Run(feeds);
        return new()
        {
            ["loss"] = result["loss"].ToDoubles(), ["rewards"] = result["rewards"].ToDoubles(), ["delta"] = result["delta"].ToDoubles(),
            ["policy_grad"] = result["policy_grad"].ToDoubles(), ["mean_grad"] = result["mean_grad"].ToDoubles(),
        };
    }
}
