namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>The <c>loop</c> variable of a for loop: <c>index</c>, <c>index0</c>, <c>revindex</c>, <c>revindex0</c>,
/// <c>first</c>, <c>last</c>, <c>length</c>, <c>previtem</c>, <c>nextitem</c>, <c>depth</c>, <c>depth0</c>, <c>cycle(...)</c>.</summary>
/// <param name="items">The items iterated (after the loop's <c>if</c> filter).</param>
/// <param name="index0">The current 0-based position.</param>
internal sealed class LoopContext(IReadOnlyList<object?> items, int index0)
{
    /// <summary>The attribute <paramref name="name"/>, or undefined.</summary>
    public object? Get(string name) => name switch
    {
        "index0" => (long)index0,
        "index" => (long)index0 + 1,
        "revindex0" => (long)(items.Count - index0 - 1),
        "revindex" => (long)(items.Count - index0),
        "first" => index0 == 0,
        "last" => index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => index0 > 0 ? items[index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => index0 + 1 < items.Count ? items[index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", (args, _) =>
            args.Count == 0 ? throw new RenderError("TypeError: no items for cycling given") : args[index0 % args.Count]),
        _ => new Undefined($"'LoopContext object' has no attribute '{name}'"),
    };

    /// <inheritdoc/>
    public override string ToString() => $"<LoopContext {index0 + 1}/{items.Count}>";
}
