using OnnxKto.Graphs;

namespace OnnxKto.Autodiff.Rules;

/// <summary>LayerNormalization (opset 17), reusing the forward node's Mean and InvStdDev outputs.</summary>
internal static class LayerNormalizationRule
{
    // Over the normalised axes, with x̂ = (X − mean)·inv and g = dY ⊙ γ:
    //   dX = inv · (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))
    //   dγ = reduce(dY ⊙ x̂),  dβ = reduce(dY)
    public static void LayerNormalization(GradientContext c)
    {
        var x = c.X(0);
        int axis = x.Shape!.Axis(c.Attr("axis", -1));
        var normAxes = Enumerable.Range(axis, x.Rank - axis).Select(a => (long)a).ToArray();
        // The backward reads the statistics the forward already computed instead of recomputing them.
        var inv = new Lazy<Value>(() => c.B.Cast(c.B.EnsureOutput(c.Node, 2), x.Type));
        var xHat = new Lazy<Value>(() => c.B.Mul(c.B.Sub(x, c.B.Cast(c.B.EnsureOutput(c.Node, 1), x.Type)), inv.Value));
        var dy = c.DY();

        c.Grad(0, () =>
        {
            var g = c.B.Mul(dy, c.X(1));
            var meanG = c.B.ReduceMean(g, normAxes, keepDims: true);
            var meanGx = c.B.ReduceMean(c.B.Mul(g, xHat.Value), normAxes, keepDims: true);
            return c.B.Mul(inv.Value, c.B.Sub(c.B.Sub(g, meanG), c.B.Mul(xHat.Value, meanGx)));
        });
        c.Grad(1, () => c.ReduceTo(c.B.Mul(dy, xHat.Value), c.X(1)));
        c.Grad(2, () => c.ReduceTo(dy, c.X(2)));
    }
}
