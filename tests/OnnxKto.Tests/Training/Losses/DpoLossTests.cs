using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Losses;

namespace OnnxKto.Tests.Training.Losses;

/// <summary>
/// The DPO loss graph against values worked by hand from TRL's sigmoid loss (β = 0.1): two pairs, rows chosen then
/// rejected; h = (1) − (−0.5) = 1.5 and (1) − (−1) = 2; loss = mean of (1 − ε)·softplus(−βh) + ε·softplus(βh);
/// d loss / d log π(chosen) = β·(−(1 − ε)·σ(−βh) + ε·σ(βh)) / 2, and the opposite for the rejected row.
/// </summary>
[TestClass]
public sealed class DpoLossTests
{
    private static readonly double[] Policy = [-10, -8, -12, -15], Reference = [-11, -9, -11.5, -14];

    [TestMethod]
    [DataRow(0.0, 0.6095479586, -0.0231285077, -0.0225083001)]
    [DataRow(0.2, 0.6445479586, -0.0131285077, -0.0125083001)]
    public void SigmoidLossWithLabelSmoothing(double smoothing, double loss, double grad0, double grad1)
    {
        var r = Run(Policy, Reference, smoothing);
        Assert.AreEqual(loss, r["loss"][0], 1e-10);
        double[] expected = [grad0, grad1, -grad0, -grad1];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], r["policy_grad"][i], 1e-10, $"row {i}");
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, -0.05, -0.1 }, r["rewards"].Select(v => Math.Round(v, 12)).ToArray());
    }

    /// <summary>At initialisation policy = reference: the loss is log 2 and the gradient exactly ∓β/2 per pair / B.</summary>
    [TestMethod]
    public void AtTheReferenceTheGradientIsHalfBeta()
    {
        var r = Run(Reference, Reference, 0);
        Assert.AreEqual(Math.Log(2), r["loss"][0], 1e-12);
        CollectionAssert.AreEqual(new[] { -0.025, -0.025, 0.025, 0.025 }, r["policy_grad"].Select(v => Math.Round(v, 12)).ToArray());
    }

    /// <summary>Large logits neither overflow nor lose the gradient (log σ is computed stably).</summary>
    [TestMethod]
    public void LargeLogitsStayFinite()
    {
        var r = Run([0, -2000, -2000, 0], [0, 0, 0, 0], 0);
        Assert.AreEqual(100, r["loss"][0], 1e-9, "pair 1 has βh = 200 (loss ≈ 0), pair 2 βh = −200 (loss ≈ 200)");
        Assert.IsTrue(r["policy_grad"].All(double.IsFinite));
        Assert.AreEqual(-0.05, r["policy_grad"][1], 1e-12, "a saturated wrong pair still gets the full gradient β/B");
    }

    private static Dictionary<string, double[]> Run(double[] policy, double[] reference, double smoothing)
    {
        int n = policy.Length;
        var g = new Graph("loss");
        var b = new GraphBuilder(g);
        var p = g.AddInput("policy", DataType.Double, new Shape(n));
        var r = g.AddInput("reference", DataType.Double, new Shape(n));
        var outputs = DpoLoss.Build(b, new LossSettings(LossType.Dpo, 0.1, LabelSmoothing: smoothing), p, r);
        var loss = b.Output(outputs.Loss, "loss");
        b.Output(outputs.Rewards, "rewards");
        var backward = ReverseModeAutodiff.Gradients(g, loss, [p, r]);
        using var session = new OnnxSession(backward, optimize: false);
        var result = session.Run(new Dictionary<string, TensorData>
        {
            ["policy"] = TensorData.FromDoubles([n], policy), ["reference"] = TensorData.FromDoubles([n], reference),
        });
        CollectionAssert.AreEqual(new double[n], result["reference_grad"].ToDoubles(), "the reference carries no gradient");
        return new() { ["loss"] = result["loss"].ToDoubles(), ["rewards"] = result["rewards"].ToDoubles(), ["policy_grad"] = result["policy_grad"].ToDoubles() };
    }
}
