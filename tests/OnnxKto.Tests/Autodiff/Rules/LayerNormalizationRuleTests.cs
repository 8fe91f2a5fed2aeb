using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

/// <summary>
/// ORT's CPU provider has LayerNormalization only in float32. The float64 check therefore replaces the forward
/// node by inputs fed from an independent float64 reference (plain loops below) and runs the backward ops, all
/// standard float64 kernels, in ORT; the finite differences use the same reference. A float32 run through the
/// real kernel checks the wiring end to end.
/// </summary>
[TestClass]
public sealed class LayerNormalizationRuleTests
{
    private const double Epsilon = 1e-5;

    [TestMethod]
    [DataRow(-1, true)]
    [DataRow(-1, false)]
    [DataRow(1, true)]
    public void Float64BackwardMatchesFiniteDifferencesOfReference(int axis, bool withBias)
    {
        var (graph, feeds, dims) = Build(DataType.Double, axis, withBias);
        var wrt = withBias ? new[] { "x", "scale", "bias" } : ["x", "scale"];
        var backward = GraphPruning.KeepOutputs(Gradients(graph, wrt), wrt.Select(GradientNames.Of));
        var ln = backward.Nodes.Single(n => n.OpType == "LayerNormalization");
        var reference = Reference(feeds, dims, axis, withBias);
        foreach (var (output, data) in ln.Outputs.Zip(new[] { reference.Y, reference.Mean, reference.InvStd }))
            if (output.Uses.Count > 0) feeds[output.Name] = TensorData.FromDoubles(output.Shape!.ToLongs(), data);
        backward.ReplaceWithInputs(ln);

        using var session = new OnnxSession(backward, optimize: false);
        var analytic = session.Run(feeds.Where(f => backward.Contains(f.Key) && backward.Inputs.Contains(backward[f.Key]))
            .ToDictionary(f => f.Key, f => f.Value));
        foreach (var name in wrt)
        {
            double rel = RelativeError(analytic[GradientNames.Of(name)].ToDoubles(), Numeric(feeds, dims, axis, withBias, name));
            Assert.IsTrue(rel < GradientChecker.Tolerance, $"d loss / d {name}: relative error {rel:E2}");
        }
    }

    [TestMethod]
    public void Float32KernelBackwardMatchesReference()
    {
        var (graph, feeds, dims) = Build(DataType.Float, -1, withBias: true);
        var wrt = new[] { "x", "scale", "bias" };
        using var session = new OnnxSession(Gradients(graph, wrt), optimize: true);
        var analytic = session.Run(feeds);
        var f64 = feeds.ToDictionary(f => f.Key, f => TensorData.FromDoubles(f.Value.Dims, f.Value.ToDoublesWidened()));
        foreach (var name in wrt)
        {
            var a = analytic[GradientNames.Of(name)].ToFloats().Select(v => (double)v).ToArray();
            double rel = RelativeError(a, Numeric(f64, dims, -1, true, name));
            Assert.IsTrue(rel < 1e-5, $"d loss / d {name}: relative error {rel:E2} in float32");
        }
    }

    [TestMethod]
    public void BackwardReusesForwardStatistics()
    {
        var (graph, _, _) = Build(DataType.Float, -1, withBias: false);
        var backward = Gradients(graph, ["x", "scale"]);
        var forward = backward.Nodes.Single(n => n.OpType == "LayerNormalization");
        Assert.AreEqual(3, forward.Outputs.Count, "the forward node now also outputs Mean and InvStdDev");
        Assert.IsTrue(forward.Outputs[1].Uses.Count > 0 && forward.Outputs[2].Uses.Count > 0);
        Assert.IsFalse(backward.Nodes.Any(n => n.OpType is "Sqrt" or "Reciprocal"), "no recomputed statistics");
    }

    private static (Graph, Dictionary<string, TensorData>, long[]) Build(DataType type, int axis, bool withBias)
    {
        long[] dims = [2, 4, 6];
        int a = axis < 0 ? axis + dims.Length : axis;
        long[] paramDims = dims[a..];
        var rng = new RandomTensors(3);
        var feeds = new Dictionary<string, TensorData>
        {
            ["x"] = rng.Doubles(dims, -2, 2), ["scale"] = rng.Doubles(paramDims, 0.5, 1.5), ["r"] = rng.Doubles(dims),
        };
        if (withBias) feeds["bias"] = rng.Doubles(paramDims);
        if (type == DataType.Float)
            feeds = feeds.ToDictionary(f => f.Key, f => TensorData.FromFloats(f.Value.Dims, f.Value.ToDoubles().Select(v => (float)v).ToArray()));

        var g = new Graph("layernorm");
        var b = new GraphBuilder(g);
        Value In(string name) => g.AddInput(name, type, feeds[name].Shape);
        var x = In("x");
        Value?[] inputs = withBias ? [x, In("scale"), In("bias")] : [x, In("scale")];
        var y = b.Op("LayerNormalization", inputs, ("axis", (long)axis), ("epsilon", (float)Epsilon), ("stash_type", (long)type));
        var loss = b.Op("ReduceSum", [b.Mul(y, In("r"))], ("keepdims", 0L));
        b.Output(loss, "loss");
        return (g, feeds, dims);
    }

    private static (double[] Y, double[] Mean, double[] InvStd) Reference(
        IReadOnlyDictionary<string, TensorData> feeds, long[] dims, int axis, bool withBias)
    {
        int a = axis < 0 ? axis + dims.Length : axis;
        int inner = (int)dims[a..].Aggregate(1L, (p, d) => p * d), outer = (int)dims[..a].Aggregate(1L, (p, d) => p * d);
        var x = feeds["x"].ToDoubles();
        var scale = feeds["scale"].ToDoubles();
        var bias = withBias ? feeds["bias"].ToDoubles() : new double[inner];
        var (y, mean, inv) = (new double[x.Length], new double[outer], new double[outer]);
        for (int o = 0; o < outer; o++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < inner; i++) m += x[o * inner + i];
            m /= inner;
            for (int i = 0; i < inner; i++) v += (x[o * inner + i] - m) * (x[o * inner + i] - m);
            v /= inner;
            mean[o] = m;
            inv[o] = 1 / Math.Sqrt(v + Epsilon);
            for (int i = 0; i < inner; i++) y[o * inner + i] = (x[o * inner + i] - m) * inv[o] * scale[i] + bias[i];
        }
        return (y, mean, inv);
    }

    private static double[] Numeric(IReadOnlyDictionary<string, TensorData> feeds, long[] dims, int axis, bool withBias, string wrt)
    {
        var r = feeds["r"].ToDoubles();
        var values = feeds[wrt].ToDoubles();
        var grad = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double LossAt(double v)
            {
                var moved = (double[])values.Clone();
                moved[i] = v;
                var f = new Dictionary<string, TensorData>(feeds) { [wrt] = TensorData.FromDoubles(feeds[wrt].Dims, moved) };
                return Reference(f, dims, axis, withBias).Y.Zip(r, (y, w) => y * w).Sum();
            }
            double h = 1e-5;
            grad[i] = (LossAt(values[i] + h) - LossAt(values[i] - h)) / (2 * h);
        }
        return grad;
    }

    private static double RelativeError(double[] a, double[] n) =>
        Math.Sqrt(a.Zip(n, (p, q) => (p - q) * (p - q)).Sum()) / Math.Max(Math.Sqrt(n.Sum(q => q * q)), 1e-12);

    private static Graph Gradients(Graph g, IEnumerable<string> wrt) =>
        ReverseModeAutodiff.Gradients(g, g["loss"], wrt.Select(n => g[n]));
}
