namespace OnnxKto.Models;

/// <summary>
/// LongRoPE (Phi-3.5, Phi-4-mini; transformers' <c>_compute_longrope_parameters</c>): inverse frequency i is
/// 1 / (factor_i · θ^(2i/d)), with the long factors when the longest position in the batch + 1 exceeds
/// <see cref="OriginalMaxPositions"/> and the short ones otherwise; cos and sin are multiplied by <see cref="AttentionFactor"/>.
/// </summary>
/// <param name="ShortFactor">Per-frequency divisors for short contexts (rotary_dim / 2 of them).</param>
/// <param name="LongFactor">Per-frequency divisors for long contexts (rotary_dim / 2 of them).</param>
/// <param name="OriginalMaxPositions">The pre-training context, e.g. 4096: the switch between the two factor sets.</param>
/// <param name="AttentionFactor">The scale of cos and sin, e.g. √(1 + ln(32) / ln(4096)) ≈ 1.19 for 131072 / 4096.</param>
public sealed record LongRopeScaling(IReadOnlyList<double> ShortFactor, IReadOnlyList<double> LongFactor, int OriginalMaxPositions, double AttentionFactor)
{
    /// <summary>Equal when every factor and scalar is (lists compare element by element, so configs round-trip).</summary>
    public bool Equals(LongRopeScaling? other) =>
        other is not null && ShortFactor.SequenceEqual(other.ShortFactor) && LongFactor.SequenceEqual(other.LongFactor)
        && OriginalMaxPositions == other.OriginalMaxPositions && AttentionFactor.Equals(other.AttentionFactor);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ShortFactor.Count, LongFactor.Count, OriginalMaxPositions, AttentionFactor);
}
