namespace OnnxKto.Graphs;

/// <summary>
/// A named tensor in a graph: a graph input, an initializer (with <see cref="Data"/>) or a node output.
/// Knows its producer and its uses, so passes can walk the graph both ways.
/// </summary>
public sealed class Value
{
    internal Value(string name, DataType type, Shape? shape)
    {
        Name = name;
        Type = type;
        Shape = shape;
    }

    /// <summary>Unique within the graph; ONNX wires nodes by these names.</summary>
    public string Name { get; internal set; }

    /// <summary>Element type; <see cref="DataType.Undefined"/> when inference could not tell.</summary>
    public DataType Type { get; internal set; }

    /// <summary>Shape, or null when even the rank is unknown.</summary>
    public Shape? Shape { get; internal set; }

    /// <summary>The node computing this value, or null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Constant contents, for initializers and values the builder folded.</summary>
    public TensorData? Data { get; internal set; }

    /// <summary>The nodes reading this value.</summary>
    public List<Node> Uses { get; } = [];

    /// <summary>The rank of <see cref="Shape"/>.</summary>
    /// <exception cref="InvalidOperationException">When even the rank is unknown, with a hint to fix it.</exception>
    public int Rank => Shape?.Rank ?? throw new InvalidOperationException(
        $"The rank of '{Name}' is unknown; give the graph input a shape or extend shape inference.");

    /// <summary>Name, type and shape, like <c>logits: Float[batch, seq, 50257]</c>.</summary>
    public override string ToString() => $"{Name}: {Type}{Shape?.ToString() ?? "[?]"}";
}
