namespace OnnxKto.Data;

/// <summary>A shaped training row: token ids ready to batch. The completion ids are the ones scored by the KTO loss.</summary>
/// <param name="PromptIds">Prompt tokens (possibly cut to their end by max_prompt_length).</param>
/// <param name="CompletionIds">Completion tokens, EOS included unless max_length cut it off; never empty.</param>
/// <param name="Label">True for a desirable completion.</param>
public sealed record TokenizedExample(int[] PromptIds, int[] CompletionIds, bool Label);
