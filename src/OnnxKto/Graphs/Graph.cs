namespace OnnxKto.Graphs;

/// <summary>
/// An ONNX graph in memory: inputs, initializers, nodes in topological order, outputs.
/// Every value has a unique name; nodes are appended by a <see cref="GraphBuilder"/>.
/// </summary>
public sealed class Graph
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    public Graph(string name = "graph", int opset = DefaultOpset)
    {
        Name = name;
        Opset = opset;
    }

    /// <summary>The default standard-domain opset of graphs we build.</summary>
    public const int DefaultOpset = 18;

    public string Name { get; set; }

    /// <summary>Standard-domain opset version.</summary>
    public int Opset { get; set; }

    public List<Value> Inputs { get; } = [];
    public List<Value> Initializers { get; } = [];
    public List<Node> Nodes { get; } = [];
    public List<Value> Outputs { get; } = [];

    /// <summary>
    /// Values no gradient flows through (like <c>torch.Tensor.detach</c>), recorded by <see cref="GraphBuilder.Detach"/>;
    /// autodiff treats them as stop values. Kept in memory only: ONNX has no such marker.
    /// </summary>
    public HashSet<string> Detached { get; } = new(StringComparer.Ordinal);

    /// <summary>Every value by name.</summary>
    public IReadOnlyDictionary<string, Value> Values => _values;

    /// <summary>The value called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">With the name, when the graph has no such value.</exception>
    public Value this[string name] => _values.TryGetValue(name, out var v)
        ? v
        : throw new KeyNotFoundException($"Graph '{Name}' has no value named '{name}'.");

    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Adds a graph input.</summary>
    public Value AddInput(string name, DataType type, Shape shape)
    {
        var v = NewValue(name, type, shape, exactName: true);
        Inputs.Add(v);
        return v;
    }

    /// <summary>Adds an initializer holding <paramref name="data"/>.</summary>
    public Value AddInitializer(string name, TensorData data)
    {
        var v = NewValue(name, data.Type, data.Shape, exactName: true);
        v.Data = data;
        Initializers.Add(v);
        return v;
    }

    /// <summary>Marks <paramref name="value"/> as a graph output.</summary>
    public void AddOutput(Value value)
    {
        if (!ReferenceEquals(this[value.Name], value))
            throw new ArgumentException($"Value '{value.Name}' does not belong to graph '{Name}'.");
        if (!Outputs.Contains(value)) Outputs.Add(value);
    }

    /// <summary>Renames a value (e.g. before it becomes a graph output with a public name).</summary>
    public void Rename(Value value, string newName)
    {
        if (_values.ContainsKey(newName))
            throw new ArgumentException($"Graph '{Name}' already has a value named '{newName}'.");
        _values.Remove(value.Name);
        value.Name = newName;
        _values[newName] = value;
    }

    /// <summary>A value name not yet used, derived from <paramref name="baseName"/>.</summary>
    public string UniqueValueName(string baseName) => Unique(baseName, _values.ContainsKey);

    internal string UniqueNodeName(string baseName)
    {
        var name = Unique(baseName, _nodeNames.Contains);
        _nodeNames.Add(name);
        return name;
    }

    internal Value NewValue(string name, DataType type, Shape? shape, bool exactName = false)
    {
        if (exactName && _values.ContainsKey(name))
            throw new ArgumentException($"Graph '{Name}' already has a value named '{name}'.");
        var v = new Value(exactName ? name : UniqueValueName(name), type, shape);
        _values[v.Name] = v;
        return v;
    }

    internal Node AppendNode(string name, string opType, string domain, IReadOnlyList<Value?> inputs,
        IReadOnlyDictionary<string, Attribute> attributes)
    {
        foreach (var input in inputs)
            if (input is not null && !ReferenceEquals(this[input.Name], input))
                throw new ArgumentException($"Input '{input.Name}' of {opType} does not belong to graph '{Name}'.");
        var node = new Node(UniqueNodeName(name), opType, domain, inputs, attributes);
        foreach (var input in inputs) input?.Uses.Add(node);
        Nodes.Add(node);
        return node;
    }

    /// <summary>A deep copy: new values and nodes with the same names, shapes and data.</summary>
    public Graph Clone()
    {
        var copy = new Graph(Name, Opset);
        foreach (var v in Inputs) copy.AddInput(v.Name, v.Type, v.Shape!);
        foreach (var v in Initializers) copy.AddInitializer(v.Name, v.Data!);
        foreach (var n in Nodes)
        {
            var inputs = n.Inputs.Select(i => i is null ? null : copy[i.Name]).ToList();
            var node = copy.AppendNode(n.Name, n.OpType, n.Domain, inputs, n.Attributes);
            foreach (var o in n.Outputs)
            {
                var v = copy.NewValue(o.Name, o.Type, o.Shape, exactName: true);
                v.Producer = node;
                v.Data = o.Data;
                node.Outputs.Add(v);
            }
        }
        foreach (var v in Outputs) copy.AddOutput(copy[v.Name]);
        copy.Detached.UnionWith(Detached);
        return copy;
    }

    private static string Unique(string baseName, Func<string, bool> taken)
    {
        if (!taken(baseName)) return baseName;
        for (int i = 1; ; i++)
            if (!taken($"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    public override string ToString() =>
        $"Graph '{Name}': {Inputs.Count} inputs, {Initializers.Count} initializers, {Nodes.Count} nodes, {Outputs.Count} outputs";
}
