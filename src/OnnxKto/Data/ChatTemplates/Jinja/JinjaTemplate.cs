using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// A Jinja template parsed once and rendered with the semantics of Hugging Face transformers' chat templates:
/// Jinja2's <c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c> with loop controls, the globals
/// <c>raise_exception</c> and <c>strftime_now</c>, and a <c>tojson</c> that keeps non-ASCII text and key order. The
/// subset real chat templates use is supported (expressions, filters, tests, <c>set</c>, <c>namespace</c>, macros,
/// slicing, string methods); anything else is a <see cref="JinjaException"/> naming the template line.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Stmt> _body;

    private JinjaTemplate(string source, string name, List<Stmt> body)
    {
        Source = source;
        Name = name;
        _body = body;
    }

    /// <summary>The template's name in error messages (usually the file it came from).</summary>
    public string Name { get; }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <param name="source">The Jinja text.</param>
    /// <param name="name">Its name for error messages, e.g. <c>chat_template.jinja</c>.</param>
    /// <exception cref="JinjaException">A syntax error or an unsupported tag, naming the line.</exception>
    public static JinjaTemplate Parse(string source, string name) => new(source, name, Parser.Parse(source, name));

    /// <summary>Renders the template.</summary>
    /// <param name="variables">The render variables as JSON (a JSON null is Python's None; an absent name is undefined).</param>
    /// <param name="now">The time <c>strftime_now</c> formats (transformers uses the local time).</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="JinjaRaisedException">The template called <c>raise_exception</c>.</exception>
    /// <exception cref="JinjaException">Any other rendering error, naming the line.</exception>
    public string Render(IReadOnlyDictionary<string, JsonNode?> variables, DateTime now)
    {
        var globals = new Scope(null);
        Globals.AddTo(globals, now);
        var scope = new Scope(globals);
        foreach (var (key, value) in variables) scope.Set(key, FromJson(value));
        var output = new StringBuilder();
        new Renderer(Name).Execute(_body, scope, output);
        return output.ToString();
    }

    /// <summary>A JSON value as the template value Python's <c>json.loads</c> would give.</summary>
    internal static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new OrderedDictionary<object, object?>(o.Select(kv => new KeyValuePair<object, object?>(kv.Key, FromJson(kv.Value)))),
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => Number(v),
        },
        _ => throw new ArgumentException($"Unsupported JSON node {node.GetType().Name}."),
    };

    // Python's json.loads: an integer literal is an int, anything with a fraction or exponent a float.
    private static object Number(JsonValue v)
    {
        var text = v.ToJsonString();
        return text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? (object)l
            : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
