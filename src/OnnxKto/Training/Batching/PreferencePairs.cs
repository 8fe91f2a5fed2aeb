using OnnxKto.Data;

namespace OnnxKto.Training.Batching;

/// <summary>
/// Preference pairs (loss_type dpo) in a shaped dataset: pair k is examples 2k (chosen) and 2k + 1 (rejected), as
/// <see cref="KtoDataset.Load"/> reads paired files with <c>keepPairs</c>. A micro-batch of pairs puts its chosen
/// rows first and its rejected rows after them, in the same order, as TRL's concatenated forward does.
/// </summary>
internal static class PreferencePairs
{
    /// <summary>
    /// Keeps the pairs that survived shaping whole: a desirable example directly followed by an undesirable one with
    /// the same prompt tokens. A pair that lost one of its examples (a skipped or dropped row) is dropped.
    /// </summary>
    /// <returns>The examples of the complete pairs, and how many examples were dropped.</returns>
    public static (List<TokenizedExample> Examples, int Dropped) Align(IReadOnlyList<TokenizedExample> shaped)
    {
        var kept = new List<TokenizedExample>(shaped.Count);
        for (int i = 0; i < shaped.Count; i++)
        {
            if (i + 1 < shaped.Count && shaped[i].Label && !shaped[i + 1].Label && shaped[i].PromptIds.AsSpan().SequenceEqual(shaped[i + 1].PromptIds))
            {
                kept.Add(shaped[i]);
                kept.Add(shaped[++i]);
            }
        }
        return (kept, shaped.Count - kept.Count);
    }

    /// <summary>The example rows of a micro-batch of <paramref name="pairs"/>: the chosen ones, then the rejected ones.</summary>
    public static int[] Rows(int[] pairs) => [.. pairs.Select(p => 2 * p), .. pairs.Select(p => 2 * p + 1)];
}
