namespace OnnxKto.Data;

/// <summary>One row as training sees it (what <c>onnx-kto data render</c> writes).</summary>
/// <param name="Origin">The file and row it came from.</param>
/// <param name="Label">True for desirable.</param>
/// <param name="PromptText">The prompt's text (a conversation rendered by the chat template); null for pre-tokenized rows.</param>
/// <param name="CompletionText">The completion's text (for conversations, the rest of prompt + completion); null for pre-tokenized rows.</param>
/// <param name="PromptIds">The prompt's token ids.</param>
/// <param name="CompletionIds">The completion's token ids (the sampled ids when the row carries them and they match).</param>
public sealed record RenderedRow(RowLocation Origin, bool Label, string? PromptText, string? CompletionText, int[] PromptIds, int[] CompletionIds);
