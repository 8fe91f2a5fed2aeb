using System.Text.Json.Nodes;

namespace OnnxKto.Data;

/// <summary>
/// A row to complete: its prompt, as text or as a conversation, and every column of the row as read (the prompt
/// included), so that columns such as a reference <c>answer</c> pass through to the samples unchanged.
/// </summary>
/// <param name="Location">File and 1-based row or line.</param>
/// <param name="Text">The prompt text (standard format), or null for a conversation.</param>
/// <param name="Messages">The prompt's messages (conversational format), or null for text.</param>
/// <param name="Columns">All columns of the row, in file order.</param>
public sealed record PromptRow(RowLocation Location, string? Text, IReadOnlyList<ChatMessage>? Messages, JsonObject Columns);
