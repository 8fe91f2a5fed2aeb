using System.Text.Json.Nodes;

namespace OnnxKto.Data;

/// <summary>
/// A row to complete: its prompt, as text or as a conversation, and every column of the row as read (the prompt
/// included), so that columns such as a reference <c>answer</c> pass through to the samples unchanged.
/// </summary>
/// <param name="Location">File and 1-based row or line.</param>
/// <param name="Text">The prompt text (standard format), or null for a conversation or token ids.</param>
/// <param name="Messages">The prompt's messages (conversational format), or null.</param>
/// <param name="Columns">All columns of the row, in file order.</param>
public sealed record PromptRow(RowLocation Location, string? Text, IReadOnlyList<ChatMessage>? Messages, JsonObject Columns)
{
    /// <summary>The prompt's token ids, for a pre-tokenized row (a <c>prompt_ids</c> column and no <c>prompt</c>); null otherwise.</summary>
    public int[]? Ids { get; init; }
}
