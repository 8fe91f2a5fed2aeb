namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Jinja2's default (lenient) <c>Undefined</c>: prints as an empty string, is falsy, has length 0 and iterates as
/// empty, but arithmetic, attribute or item access, and calls raise <c>UndefinedError</c> with <see cref="Hint"/>.
/// </summary>
/// <param name="hint">Jinja's message, e.g. <c>'x' is undefined</c> or <c>'dict object' has no attribute 'tools'</c>.</param>
internal sealed class Undefined(string hint)
{
    /// <summary>The error message used when the value is misused.</summary>
    public string Hint { get; } = hint;

    /// <summary>An error for misusing this value.</summary>
    public RenderError Fail() => new($"UndefinedError: {Hint}");

    /// <inheritdoc/>
    public override string ToString() => "";
}
