using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>
/// A completion as written for training: its text is exactly the continuation of the prompt that its ids decode to
/// (<see cref="ContinuationText"/>), so the row (prompt, completion) re-reads as the tokens that were sampled.
/// </summary>
/// <param name="Text">The completion's text, e.g. ", there was a girl".</param>
/// <param name="Ids">The sampled ids that make it (EOS excluded).</param>
public sealed record SampledCompletion(string Text, int[] Ids)
{
    /// <summary>
    /// The completion of <paramref name="ids"/> sampled after <paramref name="prompt"/>, cut before the first stop
    /// string. A cut inside a token drops that token as well: the text ends where the last whole token before the stop
    /// string ends, so that text and ids stay one another's.
    /// </summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="prompt">The prompt's ids as the model saw them.</param>
    /// <param name="ids">The sampled ids, EOS excluded.</param>
    /// <param name="stopStrings">Stop strings, e.g. <c>["\n\n"]</c>; none to keep everything.</param>
    public static SampledCompletion Of(ITextTokenizer tokenizer, int[] prompt, int[] ids, IReadOnlyList<string> stopStrings)
    {
        string text = ContinuationText.Of(tokenizer, prompt, ids);
        string cut = StopStringCheck.Cut(text, stopStrings);
        if (cut.Length == text.Length) return new SampledCompletion(text, ids);
        // The stop string lies in the last few tokens (sampling stopped once it appeared): walk back from the end.
        for (int k = ids.Length - 1; ; k--)
        {
            string shorter = ContinuationText.Of(tokenizer, prompt, ids[..k]);
            if (cut.StartsWith(shorter, StringComparison.Ordinal)) return new SampledCompletion(shorter, ids[..k]);
        }
    }
}
