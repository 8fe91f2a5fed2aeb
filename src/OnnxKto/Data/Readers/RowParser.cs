using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Data.Readers;

/// <summary>
/// Turns the rows of one file into <see cref="KtoExample"/>s. The file's layout is fixed by its first readable row:
/// pre-tokenized (<c>prompt_ids</c>), paired (<c>chosen</c> and <c>rejected</c>, unpaired into two rows), or unpaired
/// (<c>prompt</c>, <c>completion</c>, <c>label</c>). Text or message lists are told apart per value.
/// </summary>
internal sealed class RowParser
{
    public static readonly IReadOnlySet<string> KnownColumns =
        new HashSet<string> { "prompt", "completion", "label", "chosen", "rejected", "prompt_ids", "completion_ids" };

    private enum Layout { Unpaired, Paired, TokenIds }

    private Layout? _layout;

    /// <summary>One example, or two (chosen then rejected) for a paired row.</summary>
    /// <exception cref="InvalidDataException">The row is unreadable or a column is missing, null or of the wrong type.</exception>
    public IReadOnlyList<KtoExample> Parse(RawRow row)
    {
        if (row.Columns is not { } columns) throw RowErrors.At(row.Location, null, row.Unreadable!);
        _layout ??= columns.ContainsKey("prompt_ids") ? Layout.TokenIds
            : columns.ContainsKey("chosen") && columns.ContainsKey("rejected") && !columns.ContainsKey("completion") ? Layout.Paired
            : Layout.Unpaired;
        var at = row.Location;
        return _layout switch
        {
            Layout.TokenIds => [new TokenIdsExample(Ids(columns, "prompt_ids", at, allowEmpty: true), Ids(columns, "completion_ids", at, allowEmpty: false), Label(columns, at), at)],
            Layout.Paired => [Example(columns, "chosen", true, at), Example(columns, "rejected", false, at)],
            _ => [WithSampledIds(Example(columns, "completion", Label(columns, at), at), columns, at)],
        };
    }

    private static KtoExample Example(JsonObject columns, string completionColumn, bool label, RowLocation at)
    {
        var prompt = Required(columns, "prompt", at);
        var completion = Required(columns, completionColumn, at);
        return (prompt, completion) switch
        {
            (JsonValue p, JsonValue c) when IsString(p) && IsString(c) =>
                new TextExample(p.GetValue<string>(), NonEmpty(c.GetValue<string>(), completionColumn, at), label, at),
            (JsonArray p, JsonArray c) =>
                new ConversationExample(Messages(p, "prompt", at), NonEmpty(Messages(c, completionColumn, at), completionColumn, at), label, at),
            _ => throw RowErrors.At(at, IsTextOrMessages(prompt) ? completionColumn : "prompt",
                $"prompt is {Describe(prompt)} and {completionColumn} is {Describe(completion)}; both must be strings (standard format) or both lists of {{role, content}} messages (conversational format)."),
        };
    }

    /// <summary>A completion written by <c>generate</c> carries the ids it was sampled as (<c>completion_ids</c>).</summary>
    private static KtoExample WithSampledIds(KtoExample example, JsonObject columns, RowLocation at)
    {
        if (columns["completion_ids"] is null) return example;
        var ids = Ids(columns, "completion_ids", at, allowEmpty: false);
        return example switch
        {
            TextExample text => text with { CompletionIds = ids },
            ConversationExample chat => chat with { CompletionIds = ids },
            _ => example,
        };
    }

    private static JsonNode Required(JsonObject columns, string column, RowLocation at)
    {
        if (!columns.TryGetPropertyValue(column, out var node))
            throw RowErrors.At(at, column, $"missing. Columns found: {string.Join(", ", columns.Select(c => c.Key))}. " +
                "A KTO row needs prompt, completion and label; or prompt, chosen and rejected; or prompt_ids, completion_ids and label.");
        return node ?? throw RowErrors.At(at, column, "is null.");
    }

    private static bool Label(JsonObject columns, RowLocation at)
    {
        var node = Required(columns, "label", at);
        if (node is JsonValue v)
        {
            if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValueKind() == JsonValueKind.True;
            if (Number(v) is (0 or 1) and var number) return number == 1;
        }
        throw RowErrors.At(at, "label", $"expected a boolean (true/false, or 0/1), found {node.ToJsonString()}.");
    }

    internal static int[] Ids(JsonObject columns, string column, RowLocation at, bool allowEmpty)
    {
        if (Required(columns, column, at) is not JsonArray list)
            throw RowErrors.At(at, column, $"expected a list of token ids, found {Describe(columns[column])}.");
        var ids = new int[list.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            if (list[i] is not JsonValue v || Number(v) is not { } d || d != Math.Floor(d) || d < 0 || d > int.MaxValue)
                throw RowErrors.At(at, column, $"item {i + 1} is {list[i]?.ToJsonString() ?? "null"}, not a non-negative integer token id.");
            ids[i] = (int)d;
        }
        return ids.Length > 0 || allowEmpty ? ids : throw RowErrors.At(at, column, "is empty: a KTO example needs at least one completion token.");
    }

    internal static ChatMessage[] Messages(JsonArray list, string column, RowLocation at)
    {
        var messages = new ChatMessage[list.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            if (list[i] is not JsonObject message)
                throw RowErrors.At(at, column, $"message {i + 1} is {Describe(list[i])}, not a {{role, content}} object.");
            messages[i] = new ChatMessage(MessageText(message, "role", column, i, at), MessageText(message, "content", column, i, at))
            {
                Fields = message.Count > 2 ? (JsonObject)message.DeepClone() : null,
            };
        }
        return messages;
    }

    private static string MessageText(JsonObject message, string key, string column, int index, RowLocation at) =>
        message[key] is JsonValue v && IsString(v)
            ? v.GetValue<string>()
            : throw RowErrors.At(at, column, $"message {index + 1} has {(message[key] is null ? "no" : "a non-string")} '{key}'; each message needs string 'role' and 'content'.");

    private static T NonEmpty<T>(T value, string column, RowLocation at) where T : class =>
        value is string { Length: 0 } or ChatMessage[] { Length: 0 }
            ? throw RowErrors.At(at, column, "is empty: a KTO example needs a completion to score.")
            : value;

    // Parsed JSON holds numbers as text and Parquet values as longs or doubles: the JSON text reads both.
    private static double? Number(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;

    internal static bool IsString(JsonNode node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private static bool IsTextOrMessages(JsonNode node) => IsString(node) || node is JsonArray;

    internal static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        _ when IsString(node) => "a string",
        _ => $"{node.ToJsonString()}",
    };
}
