namespace OnnxKto.Graphs;

/// <summary>One operator application. Inputs may contain null for omitted optional inputs.</summary>
public sealed class Node
{
    internal Node(string name, string opType, string domain, IReadOnlyList<Value?> inputs,
        IReadOnlyDictionary<string, Attribute> attributes)
    {
        Name = name;
        OpType = opType;
        Domain = domain;
        Inputs = inputs.ToList();
        Attributes = new Dictionary<string, Attribute>(attributes);
    }

    /// <summary>Unique within the graph and hierarchical (<c>/layers.0/attn/MatMul</c>), so errors can point at it.</summary>
    public string Name { get; }
    /// <summary>The operator, e.g. <c>MatMul</c>.</summary>
    public string OpType { get; }

    /// <summary>Operator domain; "" is the standard ONNX domain.</summary>
    public string Domain { get; }

    /// <summary>Inputs in the operator's order; null for an omitted optional input.</summary>
    public List<Value?> Inputs { get; }
    /// <summary>Outputs in the operator's order.</summary>
    public List<Value> Outputs { get; } = [];
    /// <summary>Attributes by name.</summary>
    public Dictionary<string, Attribute> Attributes { get; }

    /// <summary>Input <paramref name="i"/>, or null when absent.</summary>
    public Value? Input(int i) => i < Inputs.Count ? Inputs[i] : null;

    /// <summary>Output <paramref name="i"/>, or null when the node does not produce it.</summary>
    public Value? Output(int i) => i < Outputs.Count ? Outputs[i] : null;

    /// <summary>Int attribute <paramref name="name"/>, or <paramref name="fallback"/> (the operator's default) when absent.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.AsInt : fallback;
    /// <summary>Float attribute <paramref name="name"/>, or <paramref name="fallback"/> (the operator's default) when absent.</summary>
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.AsFloat : fallback;
    /// <summary>Int list attribute <paramref name="name"/>, or null when absent.</summary>
    public long[]? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.AsInts : null;

    /// <summary>The op type and name, as error messages quote a node.</summary>
    public override string ToString() => $"{OpType} '{Name}'";
}
