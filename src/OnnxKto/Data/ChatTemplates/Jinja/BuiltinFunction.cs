namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>A function written in C# that a template can call, such as <c>range</c> or a string's <c>split</c>.</summary>
/// <param name="name">Its name in error messages.</param>
/// <param name="body">The function.</param>
internal sealed class BuiltinFunction(string name, Func<IReadOnlyList<object?>, IReadOnlyList<KeyValuePair<string, object?>>, object?> body) : ICallable
{
    /// <summary>Its name.</summary>
    public string Name { get; } = name;

    /// <inheritdoc/>
    public object? Call(IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs) => body(args, kwargs);

    /// <inheritdoc/>
    public override string ToString() => $"<built-in function {Name}>";
}
