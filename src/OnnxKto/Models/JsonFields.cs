using System.Text.Json;

namespace OnnxKto.Models;

/// <summary>
/// Typed access to the keys of one JSON object from a model file (<c>config.json</c>, <c>tokenizer_config.json</c>).
/// A missing or wrongly typed key is an <see cref="InvalidDataException"/> naming the key and the file;
/// a JSON <c>null</c> counts as absent.
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonElement _object;

    public JsonFields(JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected a JSON object, found a {element.ValueKind}.");
        _object = element;
        Source = source;
    }

    /// <summary>The file (and, for nested objects, the key path) this object came from, for error messages.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="path"/> as a JSON object; the document is cloned so no disposal is needed.</summary>
    public static JsonFields Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return new JsonFields(doc.RootElement.Clone(), path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    public bool Has(string key) => TryGet(key, out _);

    public bool TryGet(string key, out JsonElement value) =>
        _object.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    public int Int(string key) => OptionalInt(key) ?? throw Missing(key, "an integer");

    public int? OptionalInt(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw WrongType(key, "an integer", v);
    }

    /// <summary>An integer that may also be written as a list (Llama 3's <c>eos_token_id: [128001, 128009]</c>): the first entry.</summary>
    public int? OptionalFirstInt(string key)
    {
        if (!TryGet(key, out var v) || v.ValueKind != JsonValueKind.Array)
            return OptionalInt(key);
        var first = v.EnumerateArray().FirstOrDefault();
        return first.ValueKind == JsonValueKind.Number && first.TryGetInt32(out int i) ? i : throw WrongType(key, "an integer or a list of integers", v);
    }

    public double? OptionalDouble(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw WrongType(key, "a number", v);
    }

    public bool? OptionalBool(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw WrongType(key, "true or false", v);
    }

    public string String(string key) => OptionalString(key) ?? throw Missing(key, "a string");

    public string? OptionalString(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw WrongType(key, "a string", v);
    }

    /// <summary>A list of integers (SmolLM3's <c>no_rope_layers</c>); null when absent.</summary>
    public int[]? OptionalInts(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Array) throw WrongType(key, "a list of integers", v);
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) ? i : throw WrongType(key, "a list of integers", v)).ToArray();
    }

    /// <summary>A list of strings (<c>layer_types</c>); null when absent.</summary>
    public string[]? OptionalStrings(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Array) throw WrongType(key, "a list of strings", v);
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw WrongType(key, "a list of strings", v)).ToArray();
    }

    /// <summary>A list of numbers (LongRoPE's <c>short_factor</c>); null when absent.</summary>
    public double[]? OptionalDoubles(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Array) throw WrongType(key, "a list of numbers", v);
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw WrongType(key, "a list of numbers", v)).ToArray();
    }

    /// <summary>Whether the key is written at all, even as null (transformers keeps an explicit null instead of its default).</summary>
    public bool IsWritten(string key) => _object.TryGetProperty(key, out _);

    /// <summary>A nested object, e.g. <c>added_tokens_decoder</c>; null when absent.</summary>
    public JsonFields? OptionalObject(string key)
    {
        if (!TryGet(key, out var v))
            return null;
        return v.ValueKind == JsonValueKind.Object ? new JsonFields(v, $"{Source} ['{key}']") : throw WrongType(key, "an object", v);
    }

    public IEnumerable<JsonProperty> Properties => _object.EnumerateObject();

    public InvalidDataException WrongType(string key, string expected, JsonElement found) =>
        new($"{Source}: key '{key}' must be {expected}, found {Describe(found)}.");

    private InvalidDataException Missing(string key, string expected) =>
        new($"{Source}: required key '{key}' ({expected}) is missing.");

    private static string Describe(JsonElement v)
    {
        string text = v.GetRawText();
        return text.Length > 60 ? $"a {v.ValueKind}" : text;
    }
}
