namespace OnnxKto.Graphs;

/// <summary>
/// Appends operators to a <see cref="Graph"/>: names them hierarchically (<c>/layers.0/attn/MatMul</c>),
/// infers output types and shapes, and caches constants by type and value.
/// </summary>
/// <example><code>
/// var b = new GraphBuilder(new Graph());
/// var x = b.Graph.AddInput("x", DataType.Float, new Shape("batch", 4));
/// using (b.Scope("mlp")) { var y = b.Op("Relu", [x]); }
/// </code></example>
public sealed partial class GraphBuilder
{
    private readonly List<string> _scopes = [];
    private readonly Dictionary<string, Value> _constants = new(StringComparer.Ordinal);

    /// <summary>A builder appending to <paramref name="graph"/>.</summary>
    /// <remarks>The graph's initializers seed the constant cache, so constants it already holds are reused, not duplicated.</remarks>
    public GraphBuilder(Graph graph)
    {
        Graph = graph;
        foreach (var init in graph.Initializers.Except(graph.Inputs))  // an overridable input is no constant
            _constants.TryAdd(ConstantKey(init.Data!), init);
    }

    /// <summary>The graph being built.</summary>
    public Graph Graph { get; }

    /// <summary>Opens a naming scope; dispose to close it.</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Add(name);
        return new ScopeExit(this);
    }

    private sealed class ScopeExit(GraphBuilder b) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            b._scopes.RemoveAt(b._scopes.Count - 1);
        }
    }

    /// <summary>Appends one single-output operator and returns its output.</summary>
    /// <param name="opType">ONNX operator name, e.g. <c>MatMul</c>.</param>
    /// <param name="inputs">Inputs; null marks an omitted optional input.</param>
    /// <param name="attributes">Attributes as (name, value): long/int, float/double, string, long[]/int[], float[] or <see cref="TensorData"/>.</param>
    public Value Op(string opType, Value?[] inputs, params (string Name, object Value)[] attributes) =>
        Ops(opType, 1, inputs, attributes)[0];

    /// <summary>Appends one operator with <paramref name="outputCount"/> outputs.</summary>
    public Value[] Ops(string opType, int outputCount, Value?[] inputs, params (string Name, object Value)[] attributes) =>
        OpsInDomain("", opType, outputCount, inputs, attributes);

    /// <summary>Appends an operator of a non-standard domain (e.g. <c>com.microsoft</c>).</summary>
    public Value[] OpsInDomain(string domain, string opType, int outputCount, Value?[] inputs,
        params (string Name, object Value)[] attributes) =>
        AppendNode(ScopedName(opType), domain, opType, outputCount, inputs, attributes);

    // outputNames: exact output names when loading a file; generated from the node name otherwise.
    internal Value[] AppendNode(string nodeName, string domain, string opType, int outputCount, Value?[] inputs,
        (string Name, object Value)[] attributes, IReadOnlyList<string>? outputNames = null)
    {
        // Trailing omitted inputs are dropped so the serialized node stays minimal.
        int count = inputs.Length;
        while (count > 0 && inputs[count - 1] is null) count--;
        var attrs = attributes.ToDictionary(a => a.Name, a => ToAttribute(a.Name, a.Value));
        var node = Graph.AppendNode(nodeName, opType, domain, inputs[..count], attrs);
        for (int i = 0; i < outputCount; i++) AppendOutput(node, outputNames?[i] is { Length: > 0 } name ? name : null);
        ShapeInference.Infer(node, Graph.Opset);
        return node.Outputs.ToArray();
    }

    /// <summary>
    /// Makes an existing node produce its optional output <paramref name="index"/>
    /// (e.g. LayerNormalization's Mean for the backward pass) and returns it.
    /// </summary>
    public Value EnsureOutput(Node node, int index)
    {
        while (node.Outputs.Count <= index) AppendOutput(node);
        ShapeInference.Infer(node, Graph.Opset);
        return node.Outputs[index];
    }

    private void AppendOutput(Node node, string? exactName = null)
    {
        var v = Graph.NewValue(exactName ?? $"{node.Name}_output_{node.Outputs.Count}", DataType.Undefined, null, exactName is not null);
        v.Producer = node;
        node.Outputs.Add(v);
    }

    /// <summary>
    /// Makes <paramref name="value"/> a graph output called <paramref name="name"/> and returns the output value.
    /// A node output that is not yet a graph output is renamed in place; a graph input, an initializer or a value
    /// already output under its own name is first copied by an Identity, since ONNX names each output once.
    /// </summary>
    /// <exception cref="ArgumentException">The graph already has another value called <paramref name="name"/>.</exception>
    public Value Output(Value value, string name)
    {
        var output = value.Producer is null || Graph.Outputs.Contains(value) ? Identity(value) : value;
        Graph.Rename(output, name);
        Graph.AddOutput(output);
        return output;
    }

    /// <summary>
    /// Records a shape the caller knows but inference cannot derive (e.g. a Reshape to a computed shape tensor
    /// whose symbols the model builder knows). The rank must match what inference found, if it found one.
    /// </summary>
    public Value AssumeShape(Value v, Shape shape)
    {
        if (v.Shape is { } known && known.Rank != shape.Rank)
            throw new InvalidOperationException($"Cannot assume shape {shape} for '{v.Name}': inference found rank {known.Rank}.");
        v.Shape = shape;
        return v;
    }

    /// <summary>A constant tensor, shared with any earlier constant of equal type, shape and bytes.</summary>
    public Value Const(TensorData data, string? name = null)
    {
        var key = ConstantKey(data);
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var v = Graph.AddInitializer(Graph.UniqueValueName(name ?? $"/const/{data.Type}_{_constants.Count}"), data);
        _constants[key] = v;
        return v;
    }

    /// <summary>A rank-0 constant of <paramref name="type"/>.</summary>
    public Value Scalar(double value, DataType type) => Const(TensorData.Scalar(type, value));

    /// <summary>A rank-0 constant of the same element type as <paramref name="like"/>.</summary>
    public Value ScalarLike(double value, Value like) => Scalar(value, like.Type);

    /// <summary>A 1-D int64 constant, e.g. axes or a target shape.</summary>
    public Value Ints(params long[] values) => Const(TensorData.FromLongs([values.Length], values));

    private string ScopedName(string opType) =>
        "/" + string.Concat(_scopes.Select(s => s + "/")) + opType;

    private static string ConstantKey(TensorData data) =>
        $"{data.Type}|{string.Join(",", data.Dims)}|{Convert.ToBase64String(data.Bytes)}";

    private static Attribute ToAttribute(string name, object value) => value switch
    {
        long v => Attribute.Int(v),
        int v => Attribute.Int(v),
        bool v => Attribute.Int(v ? 1 : 0),
        float v => Attribute.Float(v),
        double v => Attribute.Float((float)v),
        string v => Attribute.String(v),
        long[] v => Attribute.Ints(v),
        int[] v => Attribute.Ints(v.Select(i => (long)i).ToArray()),
        float[] v => Attribute.Floats(v),
        TensorData v => Attribute.Tensor(v),
        Attribute v => v,
        _ => throw new ArgumentException($"Attribute '{name}' has unsupported type {value.GetType().Name}."),
    };
}
