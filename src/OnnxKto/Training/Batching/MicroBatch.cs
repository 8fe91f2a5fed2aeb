using OnnxKto.Data;
using OnnxKto.Data.Shaping;

namespace OnnxKto.Training.Batching;

/// <summary>
/// Token arrays of one micro-batch, right-padded, row-major: the target sequences (prompt + completion) and the
/// KL sequences (prompt i + completion i−1, rotated within the micro-batch, truncated to max_length).
/// </summary>
public sealed class MicroBatch
{
    /// <summary>Rows in the micro-batch.</summary>
    public required int Size { get; init; }
    /// <summary>The examples' own sequences: prompt + completion.</summary>
    public required Sequences Target { get; init; }
    /// <summary>The KL sequences, or null when the loss needs none.</summary>
    public required Sequences? Kl { get; init; }
    /// <summary>Each row's label, true for desirable.</summary>
    public required bool[] Labels { get; init; }

    /// <summary>
    /// Whether the rows are preference pairs (<see cref="TrainingData"/>): the first half chosen, the second half the
    /// rejected completions of the same prompts in the same order.
    /// </summary>
    public bool Paired { get; init; }

    /// <summary>Example indices, and for each row the example whose completion the KL row borrows.</summary>
    public required int[] Examples { get; init; }

    /// <summary>For each row, the example whose completion its KL sequence borrows (<see cref="KlSource"/>).</summary>
    public required int[] KlCompletionSources { get; init; }

    /// <summary>Padded token ids with their attention and completion masks.</summary>
    public sealed record Sequences(int Length, long[] Ids, long[] AttentionMask, long[] CompletionMask)
    {
        /// <summary>Real (non-padding) tokens.</summary>
        public long TokenCount => AttentionMask.Sum();
    }

    /// <summary>The completion example index KL row <paramref name="row"/> of a micro-batch uses: its left neighbour, wrapping.</summary>
    public static int KlSource(int[] examples, int row) => examples[(row + examples.Length - 1) % examples.Length];

    /// <summary>Builds the arrays for <paramref name="examples"/>; <paramref name="paired"/>: they are the rows of preference pairs.</summary>
    public static MicroBatch Build(IReadOnlyList<TokenizedExample> data, int[] examples, bool withKl, int padId, int? maxLength, bool paired = false)
    {
        var sources = examples.Select((_, row) => KlSource(examples, row)).ToArray();
        return new MicroBatch
        {
            Size = examples.Length,
            Paired = paired,
            Examples = examples,
            KlCompletionSources = sources,
            Labels = examples.Select(i => data[i].Label).ToArray(),
            Target = Pad(examples.Select(i => (data[i].PromptIds, data[i].CompletionIds)).ToList(), padId),
            Kl = withKl ? Pad(examples.Select((i, row) => KlPair(data, i, sources[row], maxLength)).ToList(), padId) : null,
        };
    }

    /// <summary>
    /// Prompt of <paramref name="prompt"/> with the completion of <paramref name="completion"/>, cut to max_length by the
    /// rule that cut the targets (<c>SequenceTruncation.FitCompletion</c>); null: no limit.
    /// </summary>
    public static (int[] Prompt, int[] Completion) KlPair(IReadOnlyList<TokenizedExample> data, int prompt, int completion, int? maxLength)
    {
        var p = data[prompt].PromptIds;
        return (p, SequenceTruncation.FitCompletion(p.Length, data[completion].CompletionIds, maxLength));
    }

    /// <summary>Right-pads prompt + completion rows with <paramref name="padId"/> to the longest row; padding is masked out of both masks.</summary>
    public static Sequences Pad(IReadOnlyList<(int[] Prompt, int[] Completion)> rows, int padId)
    {
        int length = rows.Max(r => r.Prompt.Length + r.Completion.Length);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        var completion = new long[rows.Count * length];
        Array.Fill(ids, padId);
        for (int r = 0; r < rows.Count; r++)
        {
            var (p, c) = rows[r];
            for (int t = 0; t < p.Length + c.Length; t++)
            {
                ids[r * length + t] = t < p.Length ? p[t] : c[t - p.Length];
                mask[r * length + t] = 1;
                completion[r * length + t] = t < p.Length ? 0 : 1;
            }
        }
        return new Sequences(length, ids, mask, completion);
    }
}
