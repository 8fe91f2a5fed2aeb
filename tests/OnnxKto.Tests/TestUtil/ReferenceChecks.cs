using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// A builder's graph against <see cref="ReferenceTransformer"/>: logits of the float32 graph, and gradients of the float64
/// graph (reverse-mode autodiff) against central finite differences of the reference, on real (unpadded) positions.
/// </summary>
public static class ReferenceChecks
{
    /// <summary>Reference logits (batch·seq, vocab) for the random weights of <paramref name="seed"/>.</summary>
    public static double[] ReferenceLogits(ModelConfig config, long[] ids, long[] mask, int batch, int seq, int seed)
    {
        var weights = TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed);
        return ReferenceTransformer.Logits(config, Widen(weights), ids, mask, batch, seq);
    }

    /// <summary>Asserts the float32 graph's logits equal the reference's within 1e-5 of their largest magnitude.</summary>
    public static void LogitsMatch(ModelConfig config, long[] ids, long[] mask, int batch, int seq, int seed)
    {
        var model = ModelBuilders.For(config).Build();
        var weights = TinyModels.RandomWeights(model.Parameters, seed);
        var feeds = new Dictionary<string, TensorData>(weights)
        {
            [ModelGraph.InputIds] = TensorData.FromLongs([batch, seq], ids),
            [ModelGraph.AttentionMask] = TensorData.FromLongs([batch, seq], mask),
        };
        using var session = new OnnxSession(model.Graph);
        var actual = session.Run(feeds, [ModelGraph.LogitsName])[ModelGraph.LogitsName].ToFloats();
        var reference = ReferenceTransformer.Logits(config, Widen(weights), ids, mask, batch, seq);
        double scale = reference.Max(Math.Abs);
        for (int r = 0; r < batch * seq; r++)
        {
            if (mask[r] == 0) continue;  // padding positions carry no meaning
            for (int v = 0; v < config.VocabSize; v++)
            {
                int i = r * config.VocabSize + v;
                Assert.AreEqual(reference[i], actual[i], 1e-5 * scale, $"{config.ModelType}: logit [{r / seq}, {r % seq}, {v}]");
            }
        }
    }

    /// <summary>
    /// Asserts d(Σ logits ⊙ R)/dθ of the float64 graph (autodiff) equals central differences of the same sum over the
    /// reference's logits, for <paramref name="elements"/> random entries of each parameter in <paramref name="wrt"/>
    /// (every parameter when null); R is a random probe, zero on padding rows. Returns the largest relative error.
    /// </summary>
    public static double GradientsMatch(ModelConfig config, long[] ids, long[] mask, int batch, int seq, int seed,
        IReadOnlyList<string>? wrt = null, int elements = 3)
    {
        var model = ModelBuilders.For(config).Build(new DecoderOptions { Precision = DataType.Double });
        var weights = Widen(TinyModels.RandomWeights(model.Parameters, seed));
        wrt ??= model.Parameters.Select(p => p.Name).ToList();
        var rng = new Random(seed);
        long[] probeDims = [batch, seq, config.VocabSize];
        var probe = Enumerable.Range(0, batch * seq * config.VocabSize)
            .Select(i => mask[i / config.VocabSize] == 0 ? 0 : rng.NextDouble() * 2 - 1).ToArray();

        var g = model.Graph.Clone();
        var b = new GraphBuilder(g);
        var r = g.AddInput("probe", DataType.Double, new Shape(probeDims.Select(Dim.Of)));
        foreach (var o in g.Outputs.ToList()) g.RemoveOutput(o);
        var loss = b.Output(b.Op("ReduceSum", [b.Mul(g[ModelGraph.LogitsName], r)], ("keepdims", 0L)), "loss");
        var backward = ReverseModeAutodiff.Gradients(g, loss, wrt.Select(n => g[n]));
        var feeds = weights.ToDictionary(w => w.Key, w => TensorData.FromDoubles(model.Parameters.First(p => p.Name == w.Key).Shape, w.Value));
        feeds[ModelGraph.InputIds] = TensorData.FromLongs([batch, seq], ids);
        feeds[ModelGraph.AttentionMask] = TensorData.FromLongs([batch, seq], mask);
        feeds["probe"] = TensorData.FromDoubles(probeDims, probe);
        using var session = new OnnxSession(backward, optimize: false);
        var analytic = session.Run(feeds, wrt.Select(GradientNames.Of));

        double ReferenceLoss(Dictionary<string, double[]> w) =>
            ReferenceTransformer.Logits(config, w, ids, mask, batch, seq).Zip(probe, (l, p) => l * p).Sum();
        double worst = 0;
        foreach (var name in wrt)
        {
            var a = analytic[GradientNames.Of(name)].ToDoubles();
            double diff2 = 0, norm2 = 0;
            foreach (int i in Enumerable.Range(0, a.Length).OrderBy(_ => rng.Next()).Take(elements))
            {
                var moved = new Dictionary<string, double[]>(weights) { [name] = (double[])weights[name].Clone() };
                double x = weights[name][i], h = 1e-5 * Math.Max(1, Math.Abs(x));
                moved[name][i] = x + h;
                double up = ReferenceLoss(moved);
                moved[name][i] = x - h;
                double numeric = (up - ReferenceLoss(moved)) / (2 * h);
                diff2 += (a[i] - numeric) * (a[i] - numeric);
                norm2 += numeric * numeric;
            }
            double relative = Math.Sqrt(diff2) / Math.Max(Math.Sqrt(norm2), 1e-9);
            Assert.IsTrue(relative < 1e-6, $"{config.ModelType}: d loss / d {name}: autodiff and the reference's finite differences differ, relative error {relative:E2} (‖numeric‖ = {Math.Sqrt(norm2):E2})");
            worst = Math.Max(worst, relative);
        }
        return worst;
    }

    private static Dictionary<string, double[]> Widen(Dictionary<string, TensorData> weights) =>
        weights.ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened());
}
