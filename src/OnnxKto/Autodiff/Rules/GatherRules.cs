using OnnxKto.Graphs;

namespace OnnxKto.Autodiff.Rules;

/// <summary>Gather (embedding lookups), GatherElements and ScatterND: gradients move dY back to where the values came from.</summary>
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
    // One index per row (idx has size 1 on the axis, e.g. picking each token's logit):
    //   dX = (arange(dim) == idx) ⊙ dY, elementwise passes instead of a zero fill and a scatter.
    public static void GatherElements(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        int axis = x.Shape!.Axis(c.Attr("axis", 0));
        var idx = NonNegative(c, c.X(1), x, axis);
        if (OneIndexPerRow(x, idx, axis))
        {
            var dim = c.B.Gather(c.ShapeOf(x), c.B.Scalar(axis, DataType.Int64));
            var positions = c.B.Op("Range", [c.B.Scalar(0, idx.Type), c.B.Cast(dim, idx.Type), c.B.Scalar(1, idx.Type)]);
            positions = c.B.Reshape(positions, [-1, .. Enumerable.Repeat(1L, x.Rank - 1 - axis)]);
            // A 0/1 mask times dY: ORT's broadcasting Mul is much faster than its broadcasting Where.
            return c.B.Mul(c.B.Cast(c.B.Op("Equal", [idx, positions]), x.Type), c.DY());
        }
        return c.B.Op("ScatterElements", [c.B.Fill(x, 0), idx, c.DY()], ("axis", (long)axis), ("reduction", "add"));
    });

    /// <summary>True when idx has size 1 on the axis and provably the data's size everywhere else.</summary>
    private static bool OneIndexPerRow(Value x, Value idx, int axis) =>
        idx.Shape is { } s && s.Rank == x.Rank && s[axis].Value == 1 &&
        Enumerable.Range(0, s.Rank).All(i => i == axis || s[i].SameAs(x.Shape![i]));

    // Y = scatter_nd(data, idx, updates):  dUpdates = gather_nd(dY, idx);
    //   dData = dY with the written positions zeroed (plain scatter), or dY itself (reduction = add)
    public static void ScatterND(GradientContext c)
    {
        var reduction = c.Node.Attributes.TryGetValue("reduction", out var r) ? r.AsString : "none";
        if (reduction is not ("none" or "add")) throw c.Unsupported($"reduction '{reduction}'");
        c.Grad(0, () => reduction == "add" ? c.DY() : c.B.Op("ScatterND", [c.DY(), c.X(1), c.B.Fill(c.X(2), 0)]));
        c.Grad(2, () => c.B.Op("GatherND", [c.DY(), c.X(1)]));
    }

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
