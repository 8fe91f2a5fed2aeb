using OnnxKto.Graphs;

namespace OnnxKto.Training.Losses;

/// <summary>Per-sequence statistics over completion tokens, the quantities every KTO number rests on.</summary>
/// <param name="SequenceLogps">Σ over completion tokens of log p(token | prefix): (batch). A sum, not a mean (TRL).</param>
/// <param name="LogitsSum">Σ over completion tokens of the mean logit over the vocabulary: (batch), for the logits/* metrics.</param>
/// <param name="TokenCount">Completion tokens scored per sequence: (batch).</param>
public sealed record CompletionStatistics(Value SequenceLogps, Value LogitsSum, Value TokenCount)
{
    /// <summary>
    /// Builds the statistics from logits (batch, seq, vocab), token ids and a completion mask (batch, seq; 1 on
    /// completion tokens, EOS included, 0 on prompt and padding). Token t is scored by the logits at t−1, so ids and
    /// mask shift left by one; log p = logit[target] − logsumexp(logits), without materialising log-softmax.
    /// </summary>
    public static CompletionStatistics Build(GraphBuilder b, Value logits, Value ids, Value completionMask)
    {
        using var _ = b.Scope("logps");
        var targets = ShiftLeft(b, ids);                                                   // (B, T)
        var mask = b.Cast(ShiftLeft(b, completionMask), logits.Type);                      // (B, T)
        var picked = b.Squeeze(b.Op("GatherElements", [logits, b.Unsqueeze(targets, -1)], ("axis", -1L)), -1);
        var normaliser = b.Op("ReduceLogSumExp", [logits, b.Ints(-1)], ("keepdims", 0L));
        var tokenLogps = b.Sub(picked, normaliser);                                        // (B, T)
        var sequenceLogps = b.ReduceSum(b.Mul(tokenLogps, mask), [1], keepDims: false);   // (B)
        var meanLogits = b.ReduceMean(logits, [-1], keepDims: false);                      // (B, T)
        var logitsSum = b.ReduceSum(b.Mul(meanLogits, mask), [1], keepDims: false);
        var count = b.ReduceSum(mask, [1], keepDims: false);
        return new CompletionStatistics(sequenceLogps, logitsSum, count);
    }

    /// <summary>x[:, 1:] padded with one zero column at the end: (B, T) → (B, T).</summary>
    private static Value ShiftLeft(GraphBuilder b, Value x)
    {
        var tail = b.Op("Slice", [x, b.Ints(1), b.Ints(long.MaxValue), b.Ints(1)]);
        return b.AssumeShape(b.Op("Pad", [tail, b.Ints(0, 0, 0, 1)]), x.Shape!);
    }
}
