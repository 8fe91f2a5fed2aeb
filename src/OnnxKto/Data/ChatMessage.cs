using System.Text.Json.Nodes;

namespace OnnxKto.Data;

/// <summary>One turn of a conversation, as in TRL's conversational format: <c>{"role": "user", "content": "Hi"}</c>.</summary>
/// <param name="Role">Usually <c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>
    /// The whole message as the data row wrote it, when it has keys besides <c>role</c> and <c>content</c>
    /// (<c>tool_calls</c>, <c>reasoning_content</c>, ...), which Jinja chat templates read; null otherwise.
    /// </summary>
    public JsonObject? Fields { get; init; }
}
