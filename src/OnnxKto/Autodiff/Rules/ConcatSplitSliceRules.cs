using OnnxKto.Graphs;

namespace OnnxKto.Autodiff.Rules;

/// <summary>Concat, Split and Slice: gradients route dY back to the parts of X it came from.</summary>
internal static class ConcatSplitSliceRules
{
    // Y = concat(X₀…Xₙ, axis):  dXᵢ = the i-th piece of split(dY, sizes along axis)
    public static void Concat(GradientContext c)
    {
        int n = c.Node.Inputs.Count;
        var axis = c.Y().Shape!.Axis(c.Attr("axis", 0));
        var pieces = new Lazy<Value[]>(() =>
        {
            var xs = Enumerable.Range(0, n).Select(c.X).ToArray();
            Value sizes = xs.All(x => x.Shape![axis].IsFixed)
                ? c.B.Ints(xs.Select(x => x.Shape![axis].Value!.Value).ToArray())
                : c.B.Concat(0, xs.Select(x => c.B.Op("Shape", [x], ("start", (long)axis), ("end", (long)axis + 1))).ToArray());
            return c.B.Ops("Split", n, [c.DY(), sizes], ("axis", (long)axis));
        });
        for (int i = 0; i < n; i++)
        {
            int k = i;
            c.Grad(k, () => pieces.Value[k]);
        }
    }

    // (Y₀…Yₙ) = split(X, axis):  dX = concat(dY₀…dYₙ), zeros for outputs no gradient reached
    public static void Split(GradientContext c) => c.Grad(0, () =>
    {
        var parts = Enumerable.Range(0, c.Node.Outputs.Count).Select(i => c.DY(i)).ToArray();
        return c.B.Concat(c.X(0).Shape!.Axis(c.Attr("axis", 0)), parts);
    });

    // Y = X[starts:ends] (steps 1):  dX = pad(dY) with zeros before and after the slice on each sliced axis,
    //   before = clamp(start < 0 ? start + dim : start, 0, dim),  after = dim − before − len(dY)
    public static void Slice(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        long[] starts = Const(c, 1, "starts");
        long[] axes = c.Has(3) ? Const(c, 3, "axes") : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        long[] steps = c.Has(4) ? Const(c, 4, "steps") : Enumerable.Repeat(1L, starts.Length).ToArray();
        if (steps.Any(s => s != 1)) throw c.Unsupported($"steps [{string.Join(", ", steps)}] (only steps of 1 are supported)");
        axes = axes.Select(a => (long)x.Shape!.Axis(a)).ToArray();

        var dims = c.B.Gather(c.ShapeOf(x), c.B.Ints(axes));
        var sliced = c.B.Gather(c.ShapeOf(c.Y()), c.B.Ints(axes));
        var negative = c.B.Ints(starts.Select(s => s < 0 ? 1L : 0L).ToArray());
        var before = c.B.Add(c.B.Ints(starts), c.B.Mul(dims, negative));
        before = c.B.Op("Min", [c.B.Op("Max", [before, c.B.Ints(0)]), dims]);
        var after = c.B.Sub(c.B.Sub(dims, before), sliced);
        var pads = c.B.Concat(0, before, after);
        return c.B.Op("Pad", [c.DY(), pads, c.Zero(x), c.B.Ints(axes)]);
    });

    private static long[] Const(GradientContext c, int input, string what) =>
        c.X(input).Data?.ToLongs() ?? throw c.Unsupported($"{what} are not constant");
}
