namespace OnnxKto.Graphs;

internal static partial class ShapeInference
{
    /// <summary>
    /// The shape a 1-D shape tensor describes: from constant data, or, when it is
    /// <c>Shape(y)</c> of some value y, y's own (possibly symbolic) shape.
    /// </summary>
    private static Shape? ShapeFromTensor(Value? shapeTensor)
    {
        if (shapeTensor is null) return null;
        if (shapeTensor.Data is { } data) return new Shape(data.ToLongs().Select(Dim.Of));
        if (shapeTensor.Producer is { OpType: "Shape" } p && p.Attributes.Count == 0) return p.Inputs[0]!.Shape;
        if (shapeTensor.Shape is { Rank: 1 } s && s[0].IsFixed)
            return new Shape(Enumerable.Repeat(Dim.Unknown, (int)s[0].Value!.Value));
        return null;
    }

    private static void Reshape(Node n)
    {
        var x = n.Inputs[0]!;
        var target = ShapeFromTensor(n.Inputs[1]);
        if (target is null || n.Inputs[1]!.Data is null) { Set(n, 0, x.Type, target); return; }
        var spec = n.Inputs[1]!.Data!.ToLongs();
        var dims = new Dim[spec.Length];
        int inferAt = -1;
        for (int i = 0; i < spec.Length; i++)
        {
            if (spec[i] == 0 && n.Int("allowzero", 0) == 0) dims[i] = x.Shape is { } s && i < s.Rank ? s[i] : Dim.Unknown;
            else if (spec[i] == -1) { inferAt = i; dims[i] = Dim.Unknown; }
            else dims[i] = spec[i];
        }
        if (inferAt >= 0 && x.Shape?.ElementCount is long total && dims.Where((_, i) => i != inferAt).All(d => d.IsFixed))
        {
            long known = dims.Where((_, i) => i != inferAt).Aggregate(1L, (p, d) => p * d.Value!.Value);
            if (known == 0 || total % known != 0)
                throw new ArgumentException($"Cannot reshape {x.Shape} to [{string.Join(", ", spec)}].");
            dims[inferAt] = total / known;
        }
        Set(n, 0, x.Type, new Shape(dims));
    }

    private static void Transpose(Node n)
    {
        var x = n.Inputs[0]!;
        if (x.Shape is null) { Set(n, 0, x.Type, null); return; }
        var perm = n.Ints("perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank) throw new ArgumentException($"perm [{string.Join(", ", perm)}] does not match rank {x.Rank}.");
        Set(n, 0, x.Type, new Shape(perm.Select(p => x.Shape[(int)p])));
    }

    private static void Squeeze(Node n)
    {
        var x = n.Inputs[0]!;
        var axes = n.Input(1) is null ? n.Ints("axes") : ConstInts(n, 1);
        if (x.Shape is null || axes is null) { Set(n, 0, x.Type, null); return; }
        var drop = axes.Length == 0
            ? Enumerable.Range(0, x.Rank).Where(i => x.Shape[i].Value == 1).ToHashSet()
            : axes.Select(a => x.Shape.Axis(a)).ToHashSet();
        Set(n, 0, x.Type, new Shape(x.Shape.Dims.Where((_, i) => !drop.Contains(i))));
    }

    private static void Unsqueeze(Node n)
    {
        var x = n.Inputs[0]!;
        var axes = n.Input(1) is null ? n.Ints("axes") : ConstInts(n, 1);
        if (x.Shape is null || axes is null) { Set(n, 0, x.Type, null); return; }
        int rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => (int)(a < 0 ? a + rank : a)).ToHashSet();
        var dims = new List<Dim>();
        int src = 0;
        for (int i = 0; i < rank; i++) dims.Add(inserted.Contains(i) ? 1 : x.Shape[src++]);
        Set(n, 0, x.Type, new Shape(dims));
    }

    private static void Flatten(Node n)
    {
        var x = n.Inputs[0]!;
        if (x.Shape is null) { Set(n, 0, x.Type, null); return; }
        int axis = (int)(n.Int("axis", 1) is var a && a < 0 ? a + x.Rank : a);
        Set(n, 0, x.Type, new Shape(Product(x.Shape.Dims.Take(axis)), Product(x.Shape.Dims.Skip(axis))));
    }

    private static Dim Product(IEnumerable<Dim> dims)
    {
        var list = dims.ToList();
        if (list.Count == 1) return list[0];
        return list.All(d => d.IsFixed) ? list.Aggregate(1L, (p, d) => p * d.Value!.Value) : Dim.Unknown;
    }

    private static Dim SumDims(IEnumerable<Dim> dims)
    {
        var list = dims.ToList();
        return list.All(d => d.IsFixed) ? list.Sum(d => d.Value!.Value) : Dim.Unknown;
    }

    private static void Concat(Node n)
    {
        var first = n.Inputs[0]!;
        if (n.Inputs.Any(i => i!.Shape is null)) { Set(n, 0, first.Type, null); return; }
        int axis = first.Shape!.Axis(n.Int("axis", 0));
        var dims = first.Shape.Dims.ToArray();
        dims[axis] = SumDims(n.Inputs.Select(i => i!.Shape![axis]));
        Set(n, 0, first.Type, new Shape(dims));
    }

    private static void Split(Node n)
    {
        var x = n.Inputs[0]!;
        if (x.Shape is null) { for (int i = 0; i < n.Outputs.Count; i++) Set(n, i, x.Type, null); return; }
        int axis = x.Shape.Axis(n.Int("axis", 0));
        var sizes = n.Input(1) is null ? n.Ints("split") : ConstInts(n, 1);
        if (sizes is null && x.Shape[axis].Value is long total)
        {
            long parts = n.Outputs.Count, chunk = (total + parts - 1) / parts;
            sizes = Enumerable.Range(0, (int)parts).Select(i => Math.Min(chunk, total - i * chunk)).ToArray();
        }
        for (int i = 0; i < n.Outputs.Count; i++)
        {
            var dims = x.Shape.Dims.ToArray();
            dims[axis] = sizes is null ? Dim.Unknown : sizes[i];
            Set(n, i, x.Type, new Shape(dims));
        }
    }

    private static void Slice(Node n)
    {
        var x = n.Inputs[0]!;
        var (starts, ends, axes, steps) = (ConstInts(n, 1), ConstInts(n, 2), ConstInts(n, 3), ConstInts(n, 4));
        if (x.Shape is null) { Set(n, 0, x.Type, null); return; }
        var dims = x.Shape.Dims.ToArray();
        if (starts is null || ends is null || (n.Input(3) is not null && axes is null) || (n.Input(4) is not null && steps is null))
        {
            var touched = axes?.Select(a => x.Shape.Axis(a)) ?? Enumerable.Range(0, x.Rank);
            foreach (var a in touched) dims[a] = Dim.Unknown;
            Set(n, 0, x.Type, new Shape(dims));
            return;
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        for (int k = 0; k < starts.Length; k++)
        {
            int a = x.Shape.Axis(axes[k]);
            long step = steps?[k] ?? 1;
            dims[a] = SlicedLength(x.Shape[a], starts[k], ends[k], step);
        }
        Set(n, 0, x.Type, new Shape(dims));
    }

    /// <summary>Length of one sliced axis, following the ONNX clamping rules.</summary>
    public static Dim SlicedLength(Dim dim, long start, long end, long step)
    {
        if (step == 1 && start == 0 && end >= int.MaxValue) return dim;
        if (dim.Value is not long d) return Dim.Unknown;
        if (step == 0) throw new ArgumentException("Slice step must not be 0.");
        long s = start < 0 ? start + d : start, e = end < 0 ? end + d : end;
        if (step > 0) { s = Math.Clamp(s, 0, d); e = Math.Clamp(e, 0, d); return Math.Max(0, (e - s + step - 1) / step); }
        s = Math.Clamp(s, 0, d - 1); e = Math.Clamp(e, -1, d - 1);
        return Math.Max(0, (s - e + (-step) - 1) / -step);
    }

    private static void Pad(Node n)
    {
        var x = n.Inputs[0]!;
        var pads = ConstInts(n, 1);
        if (x.Shape is null) { Set(n, 0, x.Type, null); return; }
        var axes = n.Input(3) is null ? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray() : ConstInts(n, 3);
        var dims = x.Shape.Dims.ToArray();
        if (pads is null || axes is null) dims = dims.Select(_ => Dim.Unknown).ToArray();
        else
            for (int k = 0; k < axes.Length; k++)
            {
                int a = x.Shape.Axis(axes[k]);
                dims[a] = dims[a].Value is long d ? d + pads[k] + pads[k + axes.Length] : Dim.Unknown;
            }
        Set(n, 0, x.Type, new Shape(dims));
    }

    private static void Gather(Node n)
    {
        Value data = n.Inputs[0]!, idx = n.Inputs[1]!;
        if (data.Shape is null || idx.Shape is null) { Set(n, 0, data.Type, null); return; }
        int axis = data.Shape.Axis(n.Int("axis", 0));
        var dims = data.Shape.Dims.Take(axis).Concat(idx.Shape.Dims).Concat(data.Shape.Dims.Skip(axis + 1));
        Set(n, 0, data.Type, new Shape(dims));
    }

    // batch_dims 0: indices (…, k) pick k leading axes of data; output = indices.shape[:-1] + data.shape[k:].
    private static void GatherND(Node n)
    {
        Value data = n.Inputs[0]!, idx = n.Inputs[1]!;
        if (data.Shape is null || idx.Shape is null || idx.Shape[^1].Value is not long k) { Set(n, 0, data.Type, null); return; }
        Set(n, 0, data.Type, new Shape(idx.Shape.Dims[..^1].Concat(data.Shape.Dims.Skip((int)k))));
    }

    private static void Expand(Node n)
    {
        var x = n.Inputs[0]!;
        Set(n, 0, x.Type, Broadcast([x.Shape, ShapeFromTensor(n.Inputs[1])]));
    }

    private static void Tile(Node n)
    {
        var x = n.Inputs[0]!;
        var reps = ConstInts(n, 1);
        Shape? shape = x.Shape is null ? null
            : new Shape(x.Shape.Dims.Select((d, i) => reps is null ? Dim.Unknown : reps[i] == 1 ? d : d.Value is long v ? v * reps[i] : Dim.Unknown));
        Set(n, 0, x.Type, shape);
    }

    private static void ShapeOp(Node n)
    {
        var x = n.Inputs[0]!;
        if (x.Shape is null) { Set(n, 0, DataType.Int64, new Shape(Dim.Unknown)); return; }
        int r = x.Rank;
        long start = n.Int("start", 0), end = n.Int("end", r);
        start = Math.Clamp(start < 0 ? start + r : start, 0, r);
        end = Math.Clamp(end < 0 ? end + r : end, 0, r);
        var dims = x.Shape.Dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        Set(n, 0, DataType.Int64, new Shape(dims.Length));
        // Static shapes fold to constants, so later shape arithmetic stays static too.
        if (dims.All(d => d.IsFixed))
            n.Outputs[0].Data = TensorData.FromLongs([dims.Length], dims.Select(d => d.Value!.Value).ToArray());
    }

    private static void ConstantOp(Node n)
    {
        TensorData data;
        if (n.Attributes.TryGetValue("value", out var v)) data = v.AsTensor;
        else if (n.Attributes.TryGetValue("value_float", out v)) data = TensorData.FromFloats([], [v.AsFloat]);
        else if (n.Attributes.TryGetValue("value_floats", out v)) data = TensorData.FromFloats([v.AsFloats.Length], v.AsFloats);
        else if (n.Attributes.TryGetValue("value_int", out v)) data = TensorData.FromLongs([], [v.AsInt]);
        else if (n.Attributes.TryGetValue("value_ints", out v)) data = TensorData.FromLongs([v.AsInts.Length], v.AsInts);
        else throw new ArgumentException("Constant node has no supported value attribute.");
        Set(n, 0, data.Type, data.Shape);
        n.Outputs[0].Data = data;
    }

    private static void ConstantOfShape(Node n)
    {
        var type = n.Attributes.TryGetValue("value", out var v) ? v.AsTensor.Type : DataType.Float;
        Set(n, 0, type, ShapeFromTensor(n.Inputs[0]));
    }
}
