using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders.Rope;

/// <summary>
/// <c>rope_type: longrope</c> (Phi-3.5, Phi-4-mini; transformers' <c>_compute_longrope_parameters</c> and
/// <c>longrope_frequency_update</c>): inverse frequency i is 1 / (factor_i · θ^(2i/d)), with the long factors when the
/// largest position of the forward call + 1 exceeds <see cref="OriginalMaxPositions"/> and the short ones otherwise, and
/// cos and sin are multiplied by <see cref="AttentionScale"/>.
/// </summary>
/// <param name="ShortFactor">Per-frequency divisors for short contexts (rotary_dim / 2 of them).</param>
/// <param name="LongFactor">Per-frequency divisors for long contexts (rotary_dim / 2 of them).</param>
/// <param name="OriginalMaxPositions">The pre-training context, e.g. 4096: the switch between the two factor sets.</param>
/// <param name="AttentionScale">The scale of cos and sin, e.g. √(1 + ln 32 / ln 4096) ≈ 1.19 for 131072 / 4096.</param>
public sealed record LongRopeScaling(IReadOnlyList<double> ShortFactor, IReadOnlyList<double> LongFactor, int OriginalMaxPositions,
    double AttentionScale) : RopeScaling
{
    /// <inheritdoc/>
    public override string RopeType => "longrope";

    /// <summary>The short-context frequencies (the long ones come from <see cref="Angles"/> when the sequence needs them).</summary>
    public override double[] InverseFrequencies(double theta, int dim, int maxPositions) => Frequencies(ShortFactor, theta, dim);

    /// <inheritdoc/>
    public override double AttentionFactor(int maxPositions) => AttentionScale;

    /// <summary>
    /// Chooses the factor set in the graph, as transformers does per forward call: the long one when max(position) + 1 &gt;
    /// <see cref="OriginalMaxPositions"/> over the whole batch.
    /// </summary>
    public override Value Angles(GraphBuilder b, Value positions, double theta, int dim, int maxPositions)
    {
        Value Table(IReadOnlyList<double> factors) =>
            b.Const(TensorData.FromFloats([dim / 2], Frequencies(factors, theta, dim).Select(f => (float)f).ToArray()));
        var longest = b.Op("ReduceMax", [positions], ("keepdims", 0L));
        var useLong = b.Op("Greater", [longest, b.Scalar(OriginalMaxPositions - 1, DataType.Float)]);
        return b.Mul(positions, b.Where(useLong, Table(LongFactor), Table(ShortFactor)));
    }

    /// <summary>Equal when every factor and scalar is (the lists compare element by element, so configs round-trip).</summary>
    public bool Equals(LongRopeScaling? other) =>
        other is not null && ShortFactor.SequenceEqual(other.ShortFactor) && LongFactor.SequenceEqual(other.LongFactor)
        && OriginalMaxPositions == other.OriginalMaxPositions && AttentionScale.Equals(other.AttentionScale);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ShortFactor.Count, LongFactor.Count, OriginalMaxPositions, AttentionScale);

    // transformers: 1 / (ext_factors · base^(arange(0, dim, 2) / dim)), in float32.
    private static double[] Frequencies(IReadOnlyList<double> factors, double theta, int dim) =>
        Enumerable.Range(0, dim / 2).Select(i => (double)(1f / ((float)factors[i] * (float)Math.Pow(theta, 2.0 * i / dim)))).ToArray();
}
