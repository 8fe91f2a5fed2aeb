using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class UnaryMathRulesTests
{
    [TestMethod]
    [DataRow("Sqrt", 0.2, 3.0)]
    [DataRow("Reciprocal", 0.5, 2.0)]
    [DataRow("Exp", -2.0, 2.0)]
    [DataRow("Log", 0.2, 3.0)]
    [DataRow("Tanh", -2.0, 2.0)]
    [DataRow("Sigmoid", -4.0, 4.0)]
    [DataRow("Relu", -1.0, 1.0)]
    public void MatchesFiniteDifferences(string op, double lo, double hi)
    {
        var t = new OpCase();
        t.Check(t.B.Op(op, [t.Input("x", "3x5", lo, hi)]));
    }

    /// <summary>
    /// ORT's CPU provider has no float64 Erf kernel, so the float64 forward for the finite differences is an
    /// independent Maclaurin series, and the backward graph is pruned to the gradient (which needs no Erf).
    /// </summary>
    [TestMethod]
    public void ErfMatchesFiniteDifferencesOfAFloat64Series()
    {
        var t = new OpCase();
        var x = t.Input("x", "3x5", -2, 2);
        var r = t.Feed("r", t.Random.Doubles([3, 5]));
        var loss = t.B.Op("ReduceSum", [t.B.Mul(t.B.Op("Erf", [x]), r)], ("keepdims", 0L));
        t.Graph.AddOutput(loss);
        var backward = GraphPruning.KeepOutputs(ReverseModeAutodiff.Gradients(t.Graph, loss, [x]), ["x_grad"]);
        Assert.IsFalse(backward.Nodes.Any(n => n.OpType == "Erf"), "the Erf gradient must not recompute Erf");

        var xs = t.Feeds["x"].ToDoubles();
        var rs = t.Feeds["r"].ToDoubles();
        using var session = new OnnxSession(backward, optimize: false);
        var analytic = session.Run(new Dictionary<string, TensorData> { ["x"] = t.Feeds["x"], ["r"] = t.Feeds["r"] })["x_grad"].ToDoubles();
        for (int i = 0; i < xs.Length; i++)
        {
            double h = 1e-5;
            double numeric = rs[i] * (ErfSeries(xs[i] + h) - ErfSeries(xs[i] - h)) / (2 * h);
            Assert.AreEqual(numeric, analytic[i], 1e-8 * Math.Max(1, Math.Abs(numeric)), $"element {i}, x = {xs[i]}");
        }
    }

    // erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)); converges to full double precision for |x| ≤ 2.
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 60; n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
