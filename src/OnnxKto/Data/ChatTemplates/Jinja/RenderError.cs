namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// An error raised while evaluating, before it knows its template line; the renderer turns it into a
/// <see cref="JinjaException"/> at the statement or expression that raised it.
/// </summary>
internal sealed class RenderError(string message, bool raised = false) : Exception(message)
{
    /// <summary>True when the template raised it with <c>raise_exception</c>.</summary>
    public bool Raised { get; } = raised;
}
