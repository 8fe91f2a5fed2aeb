using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Checks ReverseModeAutodiff against central finite differences in float64, both run through ONNX Runtime CPU.
/// The graph's output Y is folded into a scalar loss = Σ Y ⊙ R with a fixed random probe R, so every
/// element of dY is distinct and non-trivial.
/// </summary>
public static class GradientChecker
{
    /// <summary>Relative error (‖analytic − numeric‖ / ‖numeric‖) each check must stay under.</summary>
    public const double Tolerance = 1e-7;

    /// <summary>
    /// Differentiates <paramref name="output"/> of <paramref name="forward"/> with respect to <paramref name="wrt"/>
    /// and compares with finite differences at <paramref name="feeds"/>. Returns the largest relative error.
    /// </summary>
    public static double Check(Graph forward, string output, IReadOnlyDictionary<string, TensorData> feeds,
        IReadOnlyList<string> wrt, int seed = 1, int maxElementsPerInput = 48)
    {
        var rng = new Random(seed);
        var withLoss = forward.Clone();
        var y = withLoss[output];
        Assert.AreEqual(DataType.Double, y.Type, "gradient checks run in float64");

        using var plain = new OnnxSession(forward, optimize: false);
        var yValue = plain.Run(feeds, [output])[output];
        var probe = TensorData.FromDoubles(yValue.Dims, Enumerable.Range(0, (int)yValue.ElementCount).Select(_ => rng.NextDouble() * 2 - 1).ToArray());

        var b = new GraphBuilder(withLoss);
        var r = withLoss.AddInput("probe", DataType.Double, probe.Shape);
        foreach (var o in withLoss.Outputs.ToList()) withLoss.RemoveOutput(o);
        var loss = b.Output(b.Op("ReduceSum", [b.Mul(y, r)], ("keepdims", 0L)), "loss");

        var allFeeds = new Dictionary<string, TensorData>(feeds) { ["probe"] = probe };
        var backward = ReverseModeAutodiff.Gradients(withLoss, loss, wrt.Select(n => withLoss[n]));
        using var gradSession = new OnnxSession(backward, optimize: false);
        var analytic = gradSession.Run(allFeeds, wrt.Select(GradientNames.Of));
        using var lossSession = new OnnxSession(withLoss, optimize: false);

        double worst = 0;
        foreach (var name in wrt)
        {
            var x = allFeeds[name].ToDoubles();
            var grad = analytic[GradientNames.Of(name)];
            CollectionAssert.AreEqual(allFeeds[name].Dims, grad.Dims, $"gradient of '{name}' has the wrong shape");
            var a = grad.ToDoubles();
            var elements = Enumerable.Range(0, x.Length).OrderBy(_ => rng.Next()).Take(maxElementsPerInput).ToArray();
            double diff2 = 0, norm2 = 0;
            foreach (int i in elements)
            {
                double numeric = Central(lossSession, allFeeds, name, x, i);
                diff2 += (a[i] - numeric) * (a[i] - numeric);
                norm2 += numeric * numeric;
            }
            double rel = Math.Sqrt(diff2) / Math.Max(Math.Sqrt(norm2), 1e-12);
            Assert.IsTrue(rel < Tolerance,
                $"d loss / d {name}: analytic and finite-difference gradients differ, relative error {rel:E2} (‖numeric‖ = {Math.Sqrt(norm2):E2})");
            worst = Math.Max(worst, rel);
        }
        return worst;
    }

    private static double Central(OnnxSession session, Dictionary<string, TensorData> feeds, string name, double[] x, int i)
    {
        double h = 1e-5 * Math.Max(1, Math.Abs(x[i]));
        double LossAt(double v)
        {
            var moved = (double[])x.Clone();
            moved[i] = v;
            var f = new Dictionary<string, TensorData>(feeds) { [name] = TensorData.FromDoubles(feeds[name].Dims, moved) };
            return session.Run(f, ["loss"])["loss"].ToDoubles()[0];
        }
        return (LossAt(x[i] + h) - LossAt(x[i] - h)) / (2 * h);
    }
}
