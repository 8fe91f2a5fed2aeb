namespace OnnxKto.Graphs;

/// <summary>
/// One tensor dimension: a fixed size (<c>768</c>), a symbol (<c>batch</c>), or unknown.
/// Two symbolic dims with the same name are equal; an unknown dim equals nothing.
/// </summary>
public readonly record struct Dim
{
    /// <summary>The size, when fixed.</summary>
    public long? Value { get; }

    /// <summary>The symbol, when symbolic (e.g. <c>batch</c>, <c>seq</c>).</summary>
    public string? Symbol { get; }

    private Dim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    /// <summary>A dimension of fixed size.</summary>
    public static Dim Of(long value) => new(value, null);

    /// <summary>A named symbolic dimension.</summary>
    public static Dim Sym(string symbol) => new(null, symbol);

    /// <summary>A dimension nothing is known about.</summary>
    public static Dim Unknown => default;

    /// <summary>A fixed size, so a shape reads <c>new Shape("batch", 768)</c>.</summary>
    public static implicit operator Dim(long value) => Of(value);
    /// <summary>A symbol, so a shape reads <c>new Shape("batch", 768)</c>.</summary>
    public static implicit operator Dim(string symbol) => Sym(symbol);

    /// <summary>True when the size is known.</summary>
    public bool IsFixed => Value.HasValue;
    /// <summary>True when neither a size nor a symbol is known.</summary>
    public bool IsUnknown => Value is null && Symbol is null;

    /// <summary>True when both are provably the same size.</summary>
    public bool SameAs(Dim other) =>
        (Value.HasValue && Value == other.Value) || (Symbol is not null && Symbol == other.Symbol);

    /// <summary>The size, the symbol, or <c>?</c>.</summary>
    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}
