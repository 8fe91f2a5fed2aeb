namespace OnnxKto.Data;

/// <summary>
/// TRL's conversational format: prompt and completion are lists of <c>{role, content}</c> messages, rendered with a
/// chat template when tokenizing.
/// </summary>
/// <param name="Prompt">Turns before the completion, e.g. a system and a user message.</param>
/// <param name="Completion">The turn(s) being judged, usually one assistant message (never empty).</param>
/// <param name="Label">True for a desirable completion.</param>
/// <param name="Origin">File and row.</param>
internal sealed record ConversationExample(
    IReadOnlyList<ChatMessage> Prompt, IReadOnlyList<ChatMessage> Completion, bool Label, RowLocation Origin)
    : KtoExample(Label, Origin)
{
    /// <summary>The ids that were sampled as the completion's content (the row's <c>completion_ids</c>, EOS excluded),
    /// which training uses when they decode to it; null when the row has none.</summary>
    public int[]? CompletionIds { get; init; }
}
