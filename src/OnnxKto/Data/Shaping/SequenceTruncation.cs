namespace OnnxKto.Data.Shaping;

/// <summary>What truncation did to one example; <see cref="Dropped"/> rows are not trained on.</summary>
internal sealed record TruncationResult(int[] Prompt, int[] Completion, bool Dropped, bool PromptCut, bool CompletionCut);

/// <summary>
/// Length limits, TRL style. First (classic TRL, optional): when prompt+completion exceeds max_length, a prompt longer
/// than max_prompt_length keeps its last max_prompt_length tokens. Then (current TRL): a prompt that alone reaches
/// max_length drops the row, and prompt+completion is right-truncated to max_length (the start is kept,
/// <see cref="FitCompletion"/>: the one rule that the KL rows built later follow too).
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
        if (maxLength is { } max && prompt.Length >= max) return new TruncationResult(prompt, [], true, promptCut, false);
        var fitted = FitCompletion(prompt.Length, completion, maxLength);
        return new TruncationResult(prompt, fitted, false, promptCut, fitted.Length < completion.Length);
    }

    /// <summary>
    /// The start of <paramref name="completion"/> that fits after a prompt of <paramref name="promptLength"/> tokens
    /// within <paramref name="maxLength"/> (null: no limit), and never less than one token: a KL row pairs a kept
    /// prompt (shorter than max_length) with another example's completion, and needs a completion token to score.
    /// </summary>
    public static int[] FitCompletion(int promptLength, int[] completion, int? maxLength)
    {
        if (maxLength is not { } max) return completion;
        var keep = Math.Max(1, max - promptLength);
        return completion.Length > keep ? completion[..keep] : completion;
    }
}
