namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// A Jinja template that cannot be parsed or rendered: a syntax error, a feature the engine does not support, or an
/// error while rendering (an undefined value used where Jinja raises, a type error). The message names the template
/// and its line, e.g. <c>chat_template.jinja line 12: unsupported tag 'include'</c>.
/// </summary>
public class JinjaException : UserError
{
    /// <summary>An error at <paramref name="line"/> of <paramref name="template"/>.</summary>
    /// <param name="template">The template's name (usually its file).</param>
    /// <param name="line">1-based line of the template source, 0 when unknown.</param>
    /// <param name="message">What went wrong.</param>
    public JinjaException(string template, int line, string message)
        : base(line > 0 ? $"{template} line {line}: {message}" : $"{template}: {message}")
    {
        Template = template;
        Line = line;
        Reason = message;
    }

    /// <summary>The template's name.</summary>
    public string Template { get; }

    /// <summary>1-based line of the error in the template source (0 when unknown).</summary>
    public int Line { get; }

    /// <summary>The message without the template name and line.</summary>
    public string Reason { get; }
}
