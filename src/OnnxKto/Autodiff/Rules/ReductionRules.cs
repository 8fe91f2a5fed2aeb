using OnnxKto.Graphs;

namespace OnnxKto.Autodiff.Rules;

/// <summary>ReduceSum, ReduceMean, ReduceMax, ReduceLogSumExp.</summary>
internal static class ReductionRules
{
    // Y = Σ_axes X:  dX = expand(dY)
    public static void ReduceSum(GradientContext c) => c.Grad(0, () => ExpandBack(c, KeepDims(c, c.DY())));

    // Y = mean_axes X:  dX = expand(dY) / n,  n = number of reduced elements
    public static void ReduceMean(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        var axes = Axes(c);
        Value count;
        if (axes.All(a => x.Shape![a].IsFixed))
            count = c.B.ScalarLike(axes.Aggregate(1L, (n, a) => n * x.Shape![a].Value!.Value), x);
        else
            count = c.B.Div(c.B.Cast(c.B.Op("Size", [x]), x.Type), c.B.Cast(c.B.Op("Size", [c.Y()]), x.Type));
        return c.B.Div(ExpandBack(c, KeepDims(c, c.DY())), count);
    });

    // Y = max_axes X:  dX = dY where X equals its maximum, else 0 (every tied maximum receives dY)
    public static void ReduceMax(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        var isMax = c.B.Op("Equal", [x, KeepDims(c, c.Y())]);
        return c.B.Where(isMax, ExpandBack(c, KeepDims(c, c.DY())), c.Zero(x));
    });

    // Y = log Σ_axes exp X:  dX = dY ⊙ exp(X − Y)
    public static void ReduceLogSumExp(GradientContext c) => c.Grad(0, () =>
        c.B.Mul(KeepDims(c, c.DY()), c.B.Exp(c.B.Sub(c.X(0), KeepDims(c, c.Y())))));

    private static int[] Axes(GradientContext c) =>
        ShapeInference.ReducedAxes(c.Node) ?? throw c.Unsupported(c.X(0).Shape is null
            ? $"the rank of its input '{c.X(0).Name}' is unknown (extend ShapeInference for its producer)"
            : "the reduction axes are not constant");

    /// <summary>Re-inserts the reduced axes (size 1) into a value computed without keepdims.</summary>
    private static Value KeepDims(GradientContext c, Value v)
    {
        var axes = Axes(c);
        return c.Attr("keepdims", 1) == 1 || axes.Length == 0 ? v : c.B.Unsqueeze(v, axes.Select(a => (long)a).ToArray());
    }

    private static Value ExpandBack(GradientContext c, Value keptGradient) => c.B.Expand(keptGradient, c.ShapeOf(c.X(0)));
}
