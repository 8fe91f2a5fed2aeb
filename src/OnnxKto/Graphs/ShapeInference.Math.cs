namespace OnnxKto.Graphs;

internal static partial class ShapeInference
{
    /// <summary>
    /// The axes a Reduce* node reduces (normalised, sorted), or null when they are not constant.
    /// Opset 18 takes axes as input 1; older graphs may carry an <c>axes</c> attribute.
    /// An empty list means "all axes" unless <c>noop_with_empty_axes</c> is set.
    /// </summary>
    public static int[]? ReducedAxes(Node n)
    {
        var x = n.Inputs[0]!;
        if (x.Shape is null) return null;
        long[]? axes = n.Input(1) is null ? n.Ints("axes") ?? [] : ConstInts(n, 1);
        if (axes is null) return null;
        if (axes.Length == 0)
            return n.Int("noop_with_empty_axes", 0) == 1 ? [] : Enumerable.Range(0, x.Rank).ToArray();
        return axes.Select(a => x.Shape.Axis(a)).Distinct().Order().ToArray();
    }

    private static void Reduce(Node n)
    {
        var x = n.Inputs[0]!;
        var axes = ReducedAxes(n);
        bool keep = n.Int("keepdims", 1) == 1;
        Shape? shape = null;
        if (axes is not null && x.Shape is not null)
        {
            var dims = new List<Dim>();
            for (int i = 0; i < x.Rank; i++)
                if (!axes.Contains(i)) dims.Add(x.Shape[i]);
                else if (keep) dims.Add(1);
            shape = new Shape(dims);
        }
        else if (keep && x.Shape is not null)
            shape = new Shape(Enumerable.Repeat(Dim.Unknown, x.Rank));
        Set(n, 0, x.Type, shape);
    }

    private static void ArgReduce(Node n)
    {
        var x = n.Inputs[0]!;
        Shape? shape = null;
        if (x.Shape is not null)
        {
            int axis = x.Shape.Axis(n.Int("axis", 0));
            bool keep = n.Int("keepdims", 1) == 1;
            shape = new Shape(x.Shape.Dims.Select((d, i) => i == axis ? (Dim)1 : d).Where((_, i) => keep || i != axis));
        }
        Set(n, 0, DataType.Int64, shape);
    }

    private static void MatMul(Node n)
    {
        Shape? a = n.Inputs[0]!.Shape, b = n.Inputs[1]!.Shape;
        Shape? shape = null;
        if (a is not null && b is not null)
        {
            if (a.Rank < 1 || b.Rank < 1) throw new ArgumentException("MatMul operands must have rank >= 1.");
            // 1-D operands are promoted to matrices and the added axis removed afterwards (numpy rules).
            var aa = a.Rank == 1 ? new Shape(1, a[0]) : a;
            var bb = b.Rank == 1 ? new Shape(b[0], 1) : b;
            var batch = Broadcast([new Shape(aa.Dims[..^2]), new Shape(bb.Dims[..^2])])!;
            var dims = batch.Dims.ToList();
            if (a.Rank > 1) dims.Add(aa[^2]);
            if (b.Rank > 1) dims.Add(bb[^1]);
            shape = new Shape(dims);
        }
        Set(n, 0, n.Inputs[0]!.Type, shape);
    }

    private static void Gemm(Node n)
    {
        Shape? a = n.Inputs[0]!.Shape, b = n.Inputs[1]!.Shape;
        Shape? shape = null;
        if (a is not null && b is not null)
        {
            var m = n.Int("transA", 0) == 1 ? a[1] : a[0];
            var nn = n.Int("transB", 0) == 1 ? b[0] : b[1];
            shape = new Shape(m, nn);
        }
        Set(n, 0, n.Inputs[0]!.Type, shape);
    }

    private static void LayerNormalization(Node n)
    {
        var x = n.Inputs[0]!;
        SameAsInput0(n);
        if (x.Shape is null) return;
        int axis = x.Shape.Axis(n.Int("axis", -1));
        var statShape = new Shape(x.Shape.Dims.Select((d, i) => i < axis ? d : (Dim)1));
        var statType = (DataType)n.Int("stash_type", (long)DataType.Float);
        Set(n, 1, statType, statShape);
        Set(n, 2, statType, statShape);
    }
}
