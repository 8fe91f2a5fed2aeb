namespace OnnxKto.Graphs;

/// <summary>
/// An ONNX graph in memory: inputs, initializers, nodes in topological order, outputs.
/// Every value has a unique name; nodes are appended by a <see cref="GraphBuilder"/>, which also names outputs
/// (<see cref="GraphBuilder.Output"/>). The lists are read-only: the methods below keep them and the values' links consistent.
/// </summary>
public sealed class Graph
{
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly List<Value> _inputs = [], _initializers = [], _outputs = [];
    private readonly List<Node> _nodes = [];
    private readonly HashSet<Value> _detached = [];

    /// <summary>An empty graph.</summary>
    /// <param name="name">The ONNX graph name, kept in the model file.</param>
    /// <param name="opset">The standard-domain opset; <see cref="DefaultOpset"/> unless a consumer needs another.</param>
    public Graph(string name = "graph", int opset = DefaultOpset)
    {
        Name = name;
        Opset = opset;
    }

    /// <summary>The default standard-domain opset of graphs we build.</summary>
    public const int DefaultOpset = 18;

    /// <summary>The ONNX graph name, kept in the model file.</summary>
    public string Name { get; set; }

    /// <summary>Standard-domain opset version.</summary>
    public int Opset { get; set; }

    /// <summary>Graph inputs, in order.</summary>
    public IReadOnlyList<Value> Inputs => _inputs;

    /// <summary>Constant tensors (<see cref="Value.Data"/> set), in order.</summary>
    public IReadOnlyList<Value> Initializers => _initializers;

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Graph outputs, in order.</summary>
    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>
    /// Values no gradient flows through (like <c>torch.Tensor.detach</c>), recorded by <see cref="GraphBuilder.Detach"/>;
    /// autodiff treats them as stop values. Kept in memory only: ONNX has no such marker.
    /// </summary>
    public IReadOnlySet<Value> Detached => _detached;

    /// <summary>Every value by name.</summary>
    public IReadOnlyDictionary<string, Value> Values => _values;

    /// <summary>The value called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">With the name, when the graph has no such value.</exception>
    public Value this[string name] => _values.TryGetValue(name, out var v)
        ? v
        : throw new KeyNotFoundException($"Graph '{Name}' has no value named '{name}'.");

    /// <summary>True when a value is called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Adds a graph input.</summary>
    public Value AddInput(string name, DataType type, Shape shape)
    {
        var v = NewValue(name, type, shape, exactName: true);
        _inputs.Add(v);
        return v;
    }

    /// <summary>Adds an initializer holding <paramref name="data"/>.</summary>
    public Value AddInitializer(string name, TensorData data)
    {
        var v = NewValue(name, data.Type, data.Shape, exactName: true);
        v.Data = data;
        _initializers.Add(v);
        return v;
    }

    /// <summary>
    /// Makes the initializer <paramref name="initializer"/> a graph input as well (ONNX's overridable initializer):
    /// a value fed at run time replaces its data, which is what the input holds when nothing is fed
    /// (e.g. an optional LoRA matrix whose default has rank 0).
    /// </summary>
    /// <param name="initializer">An initializer of this graph that is not yet an input.</param>
    /// <param name="shape">The input's declared shape: the data's rank, with symbolic dims where fed values may differ.</param>
    /// <exception cref="ArgumentException">The value is not an initializer of this graph, is already an input, or the ranks differ.</exception>
    public void ExposeAsInput(Value initializer, Shape shape)
    {
        CheckOwned(initializer);
        if (!_initializers.Contains(initializer) || _inputs.Contains(initializer))
            throw new ArgumentException($"'{initializer.Name}' is not an initializer of graph '{Name}' that could become an input.");
        if (shape.Rank != initializer.Data!.Dims.Length)
            throw new ArgumentException($"Input shape {shape} of '{initializer.Name}' does not have the rank of its default {initializer.Data}.");
        initializer.Shape = shape;
        _inputs.Add(initializer);
    }

    /// <summary>True when <paramref name="value"/> is this graph's value (not a same-named value of another graph).</summary>
    public bool Owns(Value value) => _values.TryGetValue(value.Name, out var v) && ReferenceEquals(v, value);

    /// <summary>Marks <paramref name="value"/> as the last graph output; nothing changes when it already is an output.</summary>
    /// <exception cref="ArgumentException">The value belongs to another graph.</exception>
    public void AddOutput(Value value)
    {
        CheckOwned(value);
        if (!_outputs.Contains(value)) _outputs.Add(value);
    }

    /// <summary>Makes <paramref name="value"/> output number <paramref name="index"/>, moving it there when it already is an output.</summary>
    /// <exception cref="ArgumentException">The value belongs to another graph.</exception>
    public void InsertOutput(int index, Value value)
    {
        CheckOwned(value);
        _outputs.Remove(value);
        _outputs.Insert(index, value);
    }

    /// <summary>Stops <paramref name="value"/> being a graph output (it stays in the graph); false when it was none.</summary>
    public bool RemoveOutput(Value value) => _outputs.Remove(value);

    /// <summary>Renames a value (e.g. before it becomes a graph output with a public name).</summary>
    /// <exception cref="ArgumentException">Another value already has <paramref name="newName"/>.</exception>
    public void Rename(Value value, string newName)
    {
        CheckOwned(value);
        if (value.Name == newName) return;
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
        _nodes.Add(node);
        return node;
    }

    internal void MarkDetached(Value value)
    {
        CheckOwned(value);
        _detached.Add(value);
    }

    /// <summary>Removes the nodes <paramref name="remove"/> selects, unlinking them from their inputs' uses.</summary>
    internal void RemoveNodes(Func<Node, bool> remove)
    {
        foreach (var node in _nodes.Where(remove))
            foreach (var input in node.Inputs) input?.Uses.Remove(node);
        _nodes.RemoveAll(n => remove(n));
    }

    /// <summary>Removes graph inputs and initializers that <paramref name="remove"/> selects (pruning).</summary>
    internal void RemoveSources(Func<Value, bool> remove)
    {
        _inputs.RemoveAll(v => remove(v));
        _initializers.RemoveAll(v => remove(v));
    }

    /// <summary>Turns graph input <paramref name="input"/> into an initializer holding <paramref name="data"/>.</summary>
    internal void Freeze(Value input, TensorData data)
    {
        if (!_inputs.Remove(input)) throw new ArgumentException($"'{input.Name}' is not an input of graph '{Name}'.");
        input.Data = data;
        input.Shape = data.Shape;
        _initializers.Add(input);
    }

    /// <summary>
    /// Removes <paramref name="node"/>; each of its outputs that another node still reads becomes a graph input
    /// (how tests hold a value fixed, e.g. to feed the forward of an op ORT has no float64 kernel for).
    /// </summary>
    internal void ReplaceWithInputs(Node node)
    {
        RemoveNodes(n => ReferenceEquals(n, node));
        foreach (var o in node.Outputs.Where(o => o.Uses.Count > 0))
        {
            o.Producer = null;
            _inputs.Add(o);
        }
    }

    /// <summary>
    /// Makes every node that reads <paramref name="from"/>, except <paramref name="except"/>, read <paramref name="to"/>
    /// instead (how a pass splices a computation in after a value). Graph outputs are left as they are.
    /// </summary>
    internal void RedirectUses(Value from, Value to, Node? except = null)
    {
        CheckOwned(from);
        CheckOwned(to);
        foreach (var node in from.Uses.Where(n => !ReferenceEquals(n, except)).Distinct().ToList())
            for (int i = 0; i < node.Inputs.Count; i++)
                if (ReferenceEquals(node.Inputs[i], from))
                {
                    node.Inputs[i] = to;
                    from.Uses.Remove(node);
                    to.Uses.Add(node);
                }
    }

    /// <summary>
    /// Restores topological order after nodes were appended that earlier nodes now read (<see cref="RedirectUses"/>):
    /// Kahn's algorithm taking ready nodes in their current order, so an already sorted graph keeps its order.
    /// </summary>
    /// <exception cref="InvalidOperationException">The nodes form a cycle.</exception>
    internal void SortTopologically()
    {
        var position = new Dictionary<Node, int>(_nodes.Count);
        for (int i = 0; i < _nodes.Count; i++) position[_nodes[i]] = i;
        static IEnumerable<Node> Producers(Node n) => n.Inputs.Select(i => i?.Producer).OfType<Node>().Distinct();
        var waiting = _nodes.ToDictionary(n => n, n => Producers(n).Count());
        var ready = new PriorityQueue<Node, int>(_nodes.Where(n => waiting[n] == 0).Select(n => (n, position[n])));
        var sorted = new List<Node>(_nodes.Count);
        while (ready.TryDequeue(out var node, out _))
        {
            sorted.Add(node);
            foreach (var consumer in node.Outputs.SelectMany(o => o.Uses).Distinct())
                if (--waiting[consumer] == 0) ready.Enqueue(consumer, position[consumer]);
        }
        if (sorted.Count != _nodes.Count)
            throw new InvalidOperationException($"Graph '{Name}' has a cycle through {_nodes.First(n => waiting[n] > 0)}.");
        _nodes.Clear();
        _nodes.AddRange(sorted);
    }

    private void CheckOwned(Value value)
    {
        if (!Owns(value)) throw new ArgumentException($"Value '{value.Name}' does not belong to graph '{Name}'.");
    }

    /// <summary>A deep copy: new values and nodes with the same names, shapes and data.</summary>
    public Graph Clone()
    {
        var copy = new Graph(Name, Opset);
        var initializers = Initializers.ToHashSet();
        foreach (var v in Initializers) copy.AddInitializer(v.Name, v.Data!);
        foreach (var v in Inputs)
            if (initializers.Contains(v)) copy.ExposeAsInput(copy[v.Name], v.Shape!);
            else copy.AddInput(v.Name, v.Type, v.Shape!);
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
        foreach (var v in Detached) copy.MarkDetached(copy[v.Name]);
        return copy;
    }

    private static string Unique(string baseName, Func<string, bool> taken)
    {
        if (!taken(baseName)) return baseName;
        for (int i = 1; ; i++)
            if (!taken($"{baseName}_{i}")) return $"{baseName}_{i}";
    }

    /// <summary>The name and the counts of inputs, initializers, nodes and outputs, for logs.</summary>
    public override string ToString() =>
        $"Graph '{Name}': {Inputs.Count} inputs, {Initializers.Count} initializers, {Nodes.Count} nodes, {Outputs.Count} outputs";
}
