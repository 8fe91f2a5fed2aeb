namespace OnnxKto.Graphs;

/// <summary>A node attribute: an int, float, string, int list, float list or tensor.</summary>
public sealed record Attribute
{
    private Attribute(object value) => Value = value;

    /// <summary>long, float, string, long[], float[] or <see cref="TensorData"/>.</summary>
    public object Value { get; }

    /// <summary>An int attribute (ONNX ints are 64-bit).</summary>
    public static Attribute Int(long v) => new(v);
    /// <summary>A float attribute.</summary>
    public static Attribute Float(float v) => new(v);
    /// <summary>A string attribute.</summary>
    public static Attribute String(string v) => new(v);
    /// <summary>An int list attribute, such as <c>perm</c> or <c>axes</c>.</summary>
    public static Attribute Ints(params long[] v) => new(v);
    /// <summary>A float list attribute.</summary>
    public static Attribute Floats(params float[] v) => new(v);
    /// <summary>A tensor attribute, such as <c>ConstantOfShape</c>'s <c>value</c>.</summary>
    public static Attribute Tensor(TensorData v) => new(v);

    /// <summary>The int this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public long AsInt => Value is long v ? v : throw Wrong("an int");
    /// <summary>The float this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public float AsFloat => Value is float v ? v : throw Wrong("a float");
    /// <summary>The string this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public string AsString => Value is string v ? v : throw Wrong("a string");
    /// <summary>The int list this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public long[] AsInts => Value is long[] v ? v : throw Wrong("an int list");
    /// <summary>The float list this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public float[] AsFloats => Value is float[] v ? v : throw Wrong("a float list");
    /// <summary>The tensor this attribute holds.</summary>
    /// <exception cref="InvalidOperationException">When it holds another kind, naming both.</exception>
    public TensorData AsTensor => Value is TensorData v ? v : throw Wrong("a tensor");

    private InvalidOperationException Wrong(string what) => new($"Attribute holds {Value.GetType().Name}, not {what}.");
}
