namespace OnnxKto.Graphs;

/// <summary>
/// Mixed precision in the manner of <c>torch.autocast</c>: matrix products run in bfloat16 or float16 while everything
/// else (softmax and log-softmax statistics, norms' reductions, the loss) stays in float32. Applied to a forward graph
/// before autodiff, so the backward follows: a Cast's gradient is a Cast back, hence dY of each low-precision product
/// arrives in the low type, the backward products (dA = dY·Bᵀ, dB = Aᵀ·dY) run in it too, and every gradient leaves
/// through the Cast rule as float32 for the float32 optimizer and master weights.
/// </summary>
/// <remarks>
/// Each converted node reads casts of its inputs and writes a low-precision output that is cast back to float32 under
/// the original output's name, so the rest of the graph (and checkpoint segments, found by name) is unchanged:
/// <code>
/// Y = MatMul(A, B)        →  Y = Cast_f32(MatMul(Cast_lo(A), Cast_lo(B)))
/// Y = Gemm(A, B, C; α, β) →  Y = Cast_f32(Gemm(Cast_lo(A), Cast_lo(B); α)) + β·C     (bias added in float32)
/// </code>
/// Every cast has one use (a weight read by two products is cast twice), so no gradient is summed in the low type,
/// and a cast of a weight reads no checkpoint segment's input, so it is computed once in the forward and kept.
/// Converted: MatMul with two operands of rank ≥ 2 (linear layers, attention's Q·Kᵀ and P·V, LoRA's A and B) and
/// Gemm (linear layers, the vocabulary head), when their inputs are float32. Everything else is copied as it is.
/// </remarks>
public static class MixedPrecisionPass
{
    /// <summary>A copy of <paramref name="graph"/> whose matrix products compute in <paramref name="low"/>.</summary>
    /// <param name="graph">A float32 graph (left unchanged), normally a forward graph about to be differentiated.</param>
    /// <param name="low"><see cref="DataType.BFloat16"/> or <see cref="DataType.Float16"/>.</param>
    /// <returns>The rewritten copy: same inputs, outputs, value names, shapes and detached values.</returns>
    /// <exception cref="ArgumentException"><paramref name="low"/> is not a 16-bit float type.</exception>
    public static Graph Apply(Graph graph, DataType low)
    {
        if (low is not (DataType.BFloat16 or DataType.Float16))
            throw new ArgumentException($"Mixed precision computes in BFloat16 or Float16, not {low}.", nameof(low));
        var copy = new Graph(graph.Name, graph.Opset);
        var b = new GraphBuilder(copy);
        foreach (var v in graph.Inputs) copy.AddInput(v.Name, v.Type, v.Shape!);
        foreach (var v in graph.Initializers) copy.AddInitializer(v.Name, v.Data!);
        foreach (var n in graph.Nodes)
        {
            var inputs = n.Inputs.Select(i => i is null ? null : copy[i.Name]).ToList();
            if (Converts(n)) Convert(b, n, inputs, low);
            else Copy(copy, n.Name, n.OpType, n.Domain, inputs, n.Attributes, n.Outputs);
        }
        foreach (var v in graph.Outputs) copy.AddOutput(copy[v.Name]);
        foreach (var v in graph.Detached) copy.MarkDetached(copy[v.Name]);
        return copy;
    }

    private static bool Converts(Node n) => n.Domain is "" or "ai.onnx" && n.OpType switch
    {
        "MatMul" => n.Inputs.All(i => i is { Type: DataType.Float, Shape.Rank: >= 2 }),
        "Gemm" => n.Inputs.All(i => i is null or { Type: DataType.Float }),
        _ => false,
    };

    private static void Convert(GraphBuilder b, Node n, List<Value?> inputs, DataType low)
    {
        var y = n.Outputs[0];
        using var scope = b.Scope(n.Name.TrimStart('/'));
        var a = b.Op("Cast", [inputs[0]], ("to", (long)low));
        var w = b.Op("Cast", [inputs[1]], ("to", (long)low));
        var attributes = n.Attributes.Where(p => p.Key != "beta").Select(p => (p.Key, (object)p.Value)).ToArray();
        var product = b.Op(n.OpType, [a, w], attributes);                   // low precision, float32 accumulation in the kernel
        b.AssumeShape(product, y.Shape!);
        var bias = n.OpType == "Gemm" ? inputs.ElementAtOrDefault(2) : null;
        if (bias is null)
        {
            Copy(b.Graph, n.Name + "/cast_back", "Cast", "", [product], new Dictionary<string, Attribute> { ["to"] = Attribute.Int((long)DataType.Float) }, [y]);
            return;
        }
        var wide = b.Op("Cast", [product], ("to", (long)DataType.Float));
        float beta = n.Float("beta", 1f);
        var scaled = beta == 1f ? bias : b.Mul(bias, b.Scalar(beta, DataType.Float));
        Copy(b.Graph, n.Name + "/add_bias", "Add", "", [wide, scaled], new Dictionary<string, Attribute>(), [y]);
    }

    /// <summary>Appends a node whose outputs keep the names, types and shapes of <paramref name="outputs"/> (as <see cref="Graph.Clone"/> does).</summary>
    private static void Copy(Graph g, string name, string opType, string domain, IReadOnlyList<Value?> inputs,
        IReadOnlyDictionary<string, Attribute> attributes, IReadOnlyList<Value> outputs)
    {
        var node = g.AppendNode(name, opType, domain, inputs, attributes);
        foreach (var o in outputs)
        {
            var v = g.NewValue(o.Name, o.Type, o.Shape, exactName: true);
            v.Producer = node;
            v.Data = o.Data;
            node.Outputs.Add(v);
        }
    }
}
