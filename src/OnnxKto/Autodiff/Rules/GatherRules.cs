using OnnxKto.Graphs;

namespace OnnxKto.Autodiff.Rules;

/// <summary>Gather (embedding lookups) and GatherElements: gradients scatter-add dY back into zeros shaped like X.</summary>
internal static class GatherRules
{
    // Y = X.take(idx, axis):  dX = scatter_add(zeros(X), idx, dY)
    // Axis 0 scatters rows with ScatterND; other axes are moved to the front and back again.
    public static void Gather(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        int axis = x.Shape!.Axis(c.Attr("axis", 0));
        var idx = NonNegative(c, c.X(1), x, axis);
        var dy = c.DY();
        if (idx.Rank == 0)
        {
            idx = c.B.Unsqueeze(idx, 0);
            dy = c.B.Unsqueeze(dy, axis);
        }
        int q = idx.Rank, r = x.Rank;
        if (axis == 0) return ScatterRows(c, c.B.Fill(x, 0), idx, dy);

        // Bring axis to the front: X (d0…d_axis…) → (d_axis, d0…), dY (…, idx…, …) → (idx…, …).
        var toFront = new[] { (long)axis }.Concat(Enumerable.Range(0, r).Where(i => i != axis).Select(i => (long)i)).ToArray();
        var dyFront = Enumerable.Range(axis, q).Concat(Enumerable.Range(0, axis)).Concat(Enumerable.Range(axis + q, r - 1 - axis))
            .Select(i => (long)i).ToArray();
        var zeros = c.B.Op("ConstantOfShape", [c.B.Gather(c.ShapeOf(x), c.B.Ints(toFront))],
            ("value", TensorData.Scalar(x.Type, 0, [1])));
        var scattered = ScatterRows(c, zeros, idx, c.B.Transpose(dy, dyFront));
        var back = new long[r];
        for (int i = 0; i < r; i++) back[toFront[i]] = i;
        return c.B.Transpose(scattered, back);
    });

    // Y[i…] = X[…idx[i…]… along axis]:  dX = scatter_elements_add(zeros(X), idx, dY, axis)
    public static void GatherElements(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        int axis = x.Shape!.Axis(c.Attr("axis", 0));
        var idx = NonNegative(c, c.X(1), x, axis);
        return c.B.Op("ScatterElements", [c.B.Fill(x, 0), idx, c.DY()], ("axis", (long)axis), ("reduction", "add"));
    });

    private static Value ScatterRows(GradientContext c, Value zeros, Value idx, Value updates) =>
        c.B.Op("ScatterND", [zeros, c.B.Unsqueeze(idx, -1), updates], ("reduction", "add"));

    /// <summary>Negative indices count from the end; scatter needs them as positions.</summary>
    private static Value NonNegative(GradientContext c, Value idx, Value x, int axis)
    {
        if (idx.Data is { } d && d.ToLongs().All(i => i >= 0)) return idx;
        var dim = c.B.Cast(c.B.Gather(c.ShapeOf(x), c.B.Scalar(axis, DataType.Int64)), idx.Type);
        var zero = c.B.Scalar(0, idx.Type);
        return c.B.Where(c.B.Op("Less", [idx, zero]), c.B.Add(idx, dim), idx);
    }
}
