namespace OnnxKto.Data;

/// <summary>TRL's standard format: <c>{"prompt": "...", "completion": "...", "label": true}</c>.</summary>
/// <param name="Prompt">Prompt text (may be empty).</param>
/// <param name="Completion">Completion text (never empty); the EOS token is appended when tokenizing if missing.</param>
/// <param name="Label">True for a desirable completion.</param>
/// <param name="Origin">File and row.</param>
public sealed record TextExample(string Prompt, string Completion, bool Label, RowLocation Origin) : KtoExample(Label, Origin)
{
    /// <summary>The ids that were sampled as <see cref="Completion"/> (the row's <c>completion_ids</c>, EOS excluded), which
    /// training uses in place of re-tokenizing the text when they decode to it; null when the row has none.</summary>
    public int[]? CompletionIds { get; init; }
}
