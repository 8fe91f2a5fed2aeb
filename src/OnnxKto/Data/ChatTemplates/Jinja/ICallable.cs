namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>Something a template can call: a macro, a global function such as <c>range</c>, or a bound method.</summary>
internal interface ICallable
{
    /// <summary>Calls it with evaluated arguments.</summary>
    /// <exception cref="RenderError">Wrong arguments, or the callee itself fails.</exception>
    object? Call(IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs);
}
