namespace OnnxKto.Graphs;

/// <summary>A node attribute: an int, float, string, int list, float list or tensor.</summary>
public sealed record Attribute
{
    private Attribute(object value) => Value = value;

    /// <summary>long, float, string, long[], float[] or <see cref="TensorData"/>.</summary>
    public object Value { get; }

    public static Attribute Int(long v) => new(v);
    public static Attribute Float(float v) => new(v);
    public static Attribute String(string v) => new(v);
    public static Attribute Ints(params long[] v) => new(v);
    public static Attribute Floats(params float[] v) => new(v);
    public static Attribute Tensor(TensorData v) => new(v);

    public long AsInt => Value is long v ? v : throw Wrong("an int");
    public float AsFloat => Value is float v ? v : throw Wrong("a float");
    public string AsString => Value is string v ? v : throw Wrong("a string");
    public long[] AsInts => Value is long[] v ? v : throw Wrong("an int list");
    public float[] AsFloats => Value is float[] v ? v : throw Wrong("a float list");
    public TensorData AsTensor => Value is TensorData v ? v : throw Wrong("a tensor");

    private InvalidOperationException Wrong(string what) => new($"Attribute holds {Value.GetType().Name}, not {what}.");
}
