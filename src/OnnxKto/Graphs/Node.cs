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

    public string Name { get; }
    public string OpType { get; }

    /// <summary>Operator domain; "" is the standard ONNX domain.</summary>
    public string Domain { get; }

    public List<Value?> Inputs { get; }
    public List<Value> Outputs { get; } = [];
    public Dictionary<string, Attribute> Attributes { get; }

    /// <summary>Input <paramref name="i"/>, or null when absent.</summary>
    public Value? Input(int i) => i < Inputs.Count ? Inputs[i] : null;

    /// <summary>Output <paramref name="i"/>, or null when the node does not produce it.</summary>
    public Value? Output(int i) => i < Outputs.Count ? Outputs[i] : null;

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.AsInt : fallback;
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.AsFloat : fallback;
    public long[]? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.AsInts : null;

    public override string ToString() => $"{OpType} '{Name}'";
}
