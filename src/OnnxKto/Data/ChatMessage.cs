namespace OnnxKto.Data;

/// <summary>One turn of a conversation, as in TRL's conversational format: <c>{"role": "user", "content": "Hi"}</c>.</summary>
/// <param name="Role">Usually <c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content);
