using System.Text.Json;
using OnnxKto.Data;

namespace OnnxKto.Serving;

/// <summary>
/// <c>onnx-kto data feedback</c>: rated completions as KTO rows in TRL's formats, one per rating. A chat completion
/// becomes a conversational row (<c>prompt</c> the request's messages, <c>completion</c> the assistant message); a
/// plain one a standard row (strings). Each row also has <c>completion_ids</c>, the served tokens, and <c>id</c>, the
/// completion's id, which <see cref="KtoDataset"/> ignores. A rated completion with no text (the model ended at once)
/// is left out and counted: a KTO example needs a completion to score.
/// </summary>
public static class FeedbackExport
{
    /// <summary>Writes the rated completions of <paramref name="store"/> to <paramref name="path"/> (JSONL).</summary>
    /// <param name="store">The feedback database.</param>
    /// <param name="path">A <c>.jsonl</c> file to write (replaced).</param>
    /// <param name="since">Only ratings made at or after this time (UTC); null for all.</param>
    /// <returns>How many rows were written, how many of them are desirable, and how many empty completions were left out.</returns>
    /// <exception cref="UserError">An output that is not <c>.jsonl</c>.</exception>
    public static (int Rows, int Desirable, int Empty) Write(FeedbackStore store, string path, DateTime? since = null)
    {
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new UserError($"data feedback writes JSON Lines; name the output FILE.jsonl (got '{path}').");
        var all = store.Rated(since);
        var rated = all.Where(r => r.Completion.Length > 0).ToList();
        var temporary = path + ".tmp";
        using (var lines = JsonLinesWriter.Create(temporary))
            foreach (var row in rated)
                lines.WriteObject(json =>
                {
                    if (row.Messages is { } messages)
                    {
                        WriteMessages(json, "prompt", messages);
                        WriteMessages(json, "completion", [new ChatMessage("assistant", row.Completion)]);
                    }
                    else
                    {
                        json.WriteString("prompt", row.Prompt);
                        json.WriteString("completion", row.Completion);
                    }
                    json.WriteBoolean("label", row.Label!.Value);
                    json.WriteStartArray("completion_ids");
                    foreach (var id in row.CompletionIds) json.WriteNumberValue(id);
                    json.WriteEndArray();
                    json.WriteString("id", row.Choice == 0 ? row.Id : $"{row.Id}#{row.Choice}");
                });
        File.Move(temporary, path, overwrite: true);
        return (rated.Count, rated.Count(r => r.Label == true), all.Count - rated.Count);
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
}
