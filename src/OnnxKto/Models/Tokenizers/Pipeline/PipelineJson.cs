using System.Text.Json;
using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Reading the parts of a <c>tokenizer.json</c> pipeline: component types, lists of components, patterns.</summary>
internal static class PipelineJson
{
    /// <summary>The component's <c>type</c>.</summary>
    public static string Type(JsonFields part) => part.String("type");

    /// <summary>The objects of list <paramref name="key"/> (e.g. a Sequence's <c>normalizers</c>).</summary>
    public static IEnumerable<JsonFields> Parts(JsonFields part, string key)
    {
        if (!part.TryGet(key, out var list) || list.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{part.Source}: '{key}' must be a list of components.");
        int i = 0;
        foreach (var item in list.EnumerateArray())
            yield return new JsonFields(item, $"{part.Source} ['{key}'][{i++}]");
    }

    /// <summary>A <c>{"String": "..."}</c> (matched literally) or <c>{"Regex": "..."}</c> pattern as a regex.</summary>
    public static Regex Pattern(JsonFields part, string key = "pattern")
    {
        var pattern = part.OptionalObject(key) ?? throw new InvalidDataException($"{part.Source}: '{key}' ({{\"String\": ...}} or {{\"Regex\": ...}}) is missing.");
        if (pattern.OptionalString("String") is { } literal) return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant);
        if (pattern.OptionalString("Regex") is { } regex)
        {
            try
            {
                return new Regex(regex, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new NotSupportedException($"{pattern.Source}: regex '{regex}' is not one .NET can run ({e.Message}).", e);
            }
        }
        throw new InvalidDataException($"{pattern.Source}: expected {{\"String\": ...}} or {{\"Regex\": ...}}.");
    }

    /// <summary>A one-character setting such as Metaspace's <c>replacement</c>.</summary>
    public static char Char(JsonFields part, string key, char fallback) =>
        part.OptionalString(key) switch
        {
            null => fallback,
            { Length: 1 } one => one[0],
            var other => throw new InvalidDataException($"{part.Source}: '{key}' must be one character, found '{other}'."),
        };

    /// <summary>The error for a component this reader does not run.</summary>
    public static NotSupportedException Unsupported(JsonFields part, string stage, string supported) =>
        new($"{part.Source}: {stage} type '{part.OptionalString("type")}' is not supported; supported: {supported}.");

    /// <summary>The error for a setting of a supported component that this reader does not run.</summary>
    public static NotSupportedException Unsupported(JsonFields part, string setting) =>
        new($"{part.Source}: '{setting}' is not supported.");
}
