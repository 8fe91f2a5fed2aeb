using System.Text.Json;

namespace OnnxKto.Data;

/// <summary>
/// Writes examples as TRL-format JSON Lines: <c>prompt</c>/<c>completion</c> as strings or message lists, or
/// <c>prompt_ids</c>/<c>completion_ids</c> (a sampled completion's <c>completion_ids</c> beside its text), with a boolean <c>label</c>. <see cref="KtoDataset.Load"/> reads it back.
/// </summary>
public static class KtoJsonlWriter
{
    /// <summary>Writes one line per example to <paramref name="path"/> (replacing the file).</summary>
    /// <param name="examples">Examples in the order to write.</param>
    /// <param name="path">Output <c>.jsonl</c> file; its folder must exist.</param>
    public static void Write(IEnumerable<KtoExample> examples, string path)
    {
        using var lines = JsonLinesWriter.Create(path);
        foreach (var example in examples)
            lines.WriteObject(json =>
            {
                switch (example)
                {
                    case TextExample text:
                        json.WriteString("prompt", text.Prompt);
                        json.WriteString("completion", text.Completion);
                        if (text.CompletionIds is { } sampled) WriteIds(json, "completion_ids", sampled);
                        break;
                    case ConversationExample chat:
                        WriteMessages(json, "prompt", chat.Prompt);
                        WriteMessages(json, "completion", chat.Completion);
                        if (chat.CompletionIds is { } sampledIds) WriteIds(json, "completion_ids", sampledIds);
                        break;
                    case TokenIdsExample ids:
                        WriteIds(json, "prompt_ids", ids.PromptIds);
                        WriteIds(json, "completion_ids", ids.CompletionIds);
                        break;
                }
                json.WriteBoolean("label", example.Label);
            });
    }

    private static void WriteMessages(Utf8JsonWriter json, string name, IReadOnlyList<ChatMessage> messages)
    {
        json.WriteStartArray(name);
        foreach (var message in messages)
        {
            json.WriteStartObject();
            json.WriteString("role", message.Role);
            json.WriteString("content", message.Content);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteIds(Utf8JsonWriter json, string name, int[] ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids) json.WriteNumberValue(id);
        json.WriteEndArray();
    }
}
