namespace OnnxKto.Data.Shaping;

/// <summary>What truncation did to one example; <see cref="Dropped"/> rows are not trained on.</summary>
internal sealed record TruncationResult(int[] Prompt, int[] Completion, bool Dropped, bool PromptCut, bool CompletionCut);

/// <summary>
/// Length limits, TRL style. First (classic TRL, optional): when prompt+completion exceeds max_length, a prompt longer
/// than max_prompt_length keeps its last max_prompt_length tokens. Then (current TRL): a prompt that alone reaches
/// max_length drops the row, and prompt+completion is right-truncated to max_length (the start is kept).
/// </summary>
internal static class SequenceTruncation
{
    public static TruncationResult Apply(int[] prompt, int[] completion, int? maxLength, int? maxPromptLength)
    {
        var promptCut = false;
        var tooLong = maxLength is { } limit && prompt.Length + completion.Length > limit;
        if (maxPromptLength is { } keep && prompt.Length > keep && (tooLong || maxLength is null))
        {
            prompt = prompt[^keep..];
            promptCut = true;
        }
        if (maxLength is not { } max) return new TruncationResult(prompt, completion, false, promptCut, false);
        if (prompt.Length >= max) return new TruncationResult(prompt, [], true, promptCut, false);
        var completionCut = prompt.Length + completion.Length > max;
        if (completionCut) completion = completion[..(max - prompt.Length)];
        return new TruncationResult(prompt, completion, false, promptCut, completionCut);
    }
}
