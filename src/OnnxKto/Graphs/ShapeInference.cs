namespace OnnxKto.Graphs;

/// <summary>
/// Output element types and shapes for every operator the builders and gradient rules emit.
/// An operator missing from the table gets outputs of unknown type and shape; passes that need
/// them (autodiff) then fail with a message naming the node.
/// </summary>
internal static partial class ShapeInference
{
    private delegate void Rule(Node node);

    private static readonly Dictionary<string, Rule> Rules = BuildTable();

    /// <summary>Sets the types and shapes of <paramref name="node"/>'s outputs.</summary>
    public static void Infer(Node node, int opset)
    {
        if (node.Domain is "" or "ai.onnx" && Rules.TryGetValue(node.OpType, out var rule))
        {
            try { rule(node); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new InvalidOperationException(
                    $"Shape inference failed for {node} with inputs ({string.Join(", ", node.Inputs.Select(i => i?.ToString() ?? "none"))}): {e.Message}", e);
            }
        }
    }

    /// <summary>True when the operator has an inference rule.</summary>
    public static bool Knows(string opType) => Rules.ContainsKey(opType);

    private static Dictionary<string, Rule> BuildTable()
    {
        var t = new Dictionary<string, Rule>(StringComparer.Ordinal);
        foreach (var op in new[] { "Neg", "Sqrt", "Reciprocal", "Exp", "Log", "Tanh", "Sigmoid", "Erf", "Relu", "Abs",
                     "Identity", "Softmax", "LogSoftmax", "Not", "Sign", "Clip", "Floor", "Ceil", "Trilu", "CumSum", "Sin", "Cos" })
            t[op] = SameAsInput0;
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod" })
            t[op] = BroadcastArithmetic;
        foreach (var op in new[] { "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor" })
            t[op] = BroadcastComparison;
        t["IsNaN"] = n => Set(n, 0, DataType.Bool, n.Inputs[0]!.Shape);
        t["IsInf"] = n => Set(n, 0, DataType.Bool, n.Inputs[0]!.Shape);
        t["Where"] = Where;
        t["Cast"] = n => Set(n, 0, (DataType)n.Int("to", 0), n.Inputs[0]!.Shape);
        t["CastLike"] = n => Set(n, 0, n.Inputs[1]!.Type, n.Inputs[0]!.Shape);
        t["Dropout"] = Dropout;
        foreach (var op in new[] { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceLogSumExp", "ReduceProd", "ReduceL2", "ReduceSumSquare" })
            t[op] = Reduce;
        t["ArgMax"] = ArgReduce;
        t["ArgMin"] = ArgReduce;
        t["MatMul"] = MatMul;
        t["Gemm"] = Gemm;
        t["LayerNormalization"] = LayerNormalization;
        t["Reshape"] = Reshape;
        t["Transpose"] = Transpose;
        t["Squeeze"] = Squeeze;
        t["Unsqueeze"] = Unsqueeze;
        t["Flatten"] = Flatten;
        t["Concat"] = Concat;
        t["Split"] = Split;
        t["Slice"] = Slice;
        t["Pad"] = Pad;
        t["Gather"] = Gather;
        t["GatherElements"] = n => Set(n, 0, n.Inputs[0]!.Type, n.Inputs[1]!.Shape);
        t["ScatterElements"] = SameAsInput0;
        t["ScatterND"] = SameAsInput0;
        t["Expand"] = Expand;
        t["Tile"] = Tile;
        t["Shape"] = ShapeOp;
        t["Size"] = n => Set(n, 0, DataType.Int64, Shape.Scalar);
        t["Constant"] = ConstantOp;
        t["ConstantOfShape"] = ConstantOfShape;
        t["Range"] = n => Set(n, 0, n.Inputs[0]!.Type, new Shape(Dim.Unknown));
        t["NonZero"] = n => Set(n, 0, DataType.Int64, n.Inputs[0]!.Shape is { } s ? new Shape(s.Rank, Dim.Unknown) : null);
        t["GatherND"] = GatherND;
        return t;
    }

    private static void Set(Node node, int index, DataType type, Shape? shape)
    {
        if (index >= node.Outputs.Count) return;
        node.Outputs[index].Type = type;
        node.Outputs[index].Shape = shape;
    }

    private static void SameAsInput0(Node n) => Set(n, 0, n.Inputs[0]!.Type, n.Inputs[0]!.Shape);

    /// <summary>Constant contents of input <paramref name="i"/> as longs, or null when not constant.</summary>
    private static long[]? ConstInts(Node n, int i) => n.Input(i)?.Data?.ToLongs();
}
