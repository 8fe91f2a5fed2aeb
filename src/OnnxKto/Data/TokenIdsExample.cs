namespace OnnxKto.Data;

/// <summary>Pre-tokenized rows: <c>{"prompt_ids": [...], "completion_ids": [...], "label": true}</c>, used as they are.</summary>
/// <param name="PromptIds">Prompt token ids.</param>
/// <param name="CompletionIds">Completion token ids (never empty), EOS included if the data has it.</param>
/// <param name="Label">True for a desirable completion.</param>
/// <param name="Origin">File and row.</param>
internal sealed record TokenIdsExample(int[] PromptIds, int[] CompletionIds, bool Label, RowLocation Origin) : KtoExample(Label, Origin);
