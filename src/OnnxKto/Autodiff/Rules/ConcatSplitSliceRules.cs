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

    // Y = X[starts:ends:steps]:  dX = dY put back where it was taken from, zeros elsewhere.
    public static void Slice(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        long[] starts = Const(c, 1, "starts"), ends = Const(c, 2, "ends");
        long[] axes = c.Has(3) ? Const(c, 3, "axes") : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        long[] steps = c.Has(4) ? Const(c, 4, "steps") : Enumerable.Repeat(1L, starts.Length).ToArray();
        axes = axes.Select(a => (long)x.Shape!.Axis(a)).ToArray();
        return steps.All(s => s == 1) ? PadBack(c, x, starts, axes) : ScatterBack(c, x, starts, ends, axes, steps);
    });

    // Steps of 1:  dX = pad(dY) with zeros before and after the slice on each sliced axis,
    //   before = clamp(start < 0 ? start + dim : start, 0, dim),  after = dim − before − len(dY)
    private static Value PadBack(GradientContext c, Value x, long[] starts, long[] axes)
    {
        var dims = c.B.Gather(c.ShapeOf(x), c.B.Ints(axes));
        var sliced = c.B.Gather(c.ShapeOf(c.Y()), c.B.Ints(axes));
        var negative = c.B.Ints(starts.Select(s => s < 0 ? 1L : 0L).ToArray());
        var before = c.B.Add(c.B.Ints(starts), c.B.Mul(dims, negative));
        before = c.B.Op("Min", [c.B.Op("Max", [before, c.B.Ints(0)]), dims]);
        var after = c.B.Sub(c.B.Sub(dims, before), sliced);
        var pads = c.B.Concat(0, before, after);
        return c.B.Op("Pad", [c.DY(), pads, c.Zero(x), c.B.Ints(axes)]);
    }

    // Other steps: scatter dY back one sliced axis at a time. The positions an axis kept are
    // slice(arange(dim), start, end, step), so ONNX's own clamping rules choose them.
    private static Value ScatterBack(GradientContext c, Value x, long[] starts, long[] ends, long[] axes, long[] steps)
    {
        var b = c.B;
        var g = c.DY();
        int rank = x.Rank;
        for (int k = 0; k < axes.Length; k++)
        {
            int a = (int)axes[k];
            var dim = b.Gather(b.ShapeOf(x), b.Scalar(a, DataType.Int64));                                   // scalar
            var all = b.Op("Range", [b.Scalar(0, DataType.Int64), dim, b.Scalar(1, DataType.Int64)]);
            var kept = b.Op("Slice", [all, b.Ints(starts[k]), b.Ints(ends[k]), b.Ints(0), b.Ints(steps[k])]);  // (len)
            var along = Enumerable.Range(0, rank).Select(i => i == a ? -1L : 1L).ToArray();
            var index = b.Expand(b.Reshape(kept, along), b.ShapeOf(g));
            var shape = b.ShapeOf(g);
            var restored = b.Concat(0, b.Op("Slice", [shape, b.Ints(0), b.Ints(a)]), b.Unsqueeze(dim, 0), b.Op("Slice", [shape, b.Ints(a + 1), b.Ints(rank)]));
            var zeros = b.Op("ConstantOfShape", [restored], ("value", TensorData.Scalar(x.Type, 0, [1])));
            g = b.Op("ScatterElements", [zeros, index, g], ("axis", (long)a));
        }
        return g;
    }

    private static long[] Const(GradientContext c, int input, string what) =>
        c.X(input).Data?.ToLongs() ?? throw c.Unsupported($"{what} are not constant");
}
