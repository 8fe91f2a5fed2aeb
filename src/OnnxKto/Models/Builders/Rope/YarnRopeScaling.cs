namespace OnnxKto.Models.Builders.Rope;

/// <summary>
/// <c>rope_type: yarn</c> (YaRN, Peng et al. 2023; Qwen2.5/Qwen3 long-context configs): inverse frequencies blended
/// between interpolated (÷ factor) and original by a linear ramp over the dimensions whose rotation count in the
/// original context lies between beta_slow and beta_fast, and cos/sin scaled by the attention factor
/// (0.1·ln(factor) + 1 by default).
/// </summary>
public sealed record YarnRopeScaling : RopeScaling
{
    /// <summary><c>factor</c>, e.g. 4.0; null: max_position_embeddings / original_max_position_embeddings.</summary>
    public double? Factor { get; init; }

    /// <summary><c>original_max_position_embeddings</c>, e.g. 32768; null: max_position_embeddings.</summary>
    public int? OriginalMaxPositions { get; init; }

    /// <summary><c>attention_factor</c>; null: derived from the factor (and <see cref="Mscale"/>, <see cref="MscaleAllDim"/>).</summary>
    public double? AttentionFactorOverride { get; init; }

    /// <summary><c>beta_fast</c> (default 32).</summary>
    public double BetaFast { get; init; } = 32;

    /// <summary><c>beta_slow</c> (default 1).</summary>
    public double BetaSlow { get; init; } = 1;

    /// <summary><c>mscale</c> (DeepSeek's), used with <see cref="MscaleAllDim"/> for the default attention factor.</summary>
    public double? Mscale { get; init; }

    /// <summary><c>mscale_all_dim</c>.</summary>
    public double? MscaleAllDim { get; init; }

    /// <summary><c>truncate</c> (default true): round the ramp's ends to whole dimensions.</summary>
    public bool Truncate { get; init; } = true;

    /// <inheritdoc/>
    public override string RopeType => "yarn";

    /// <inheritdoc/>
    public override double AttentionFactor(int maxPositions)
    {
        if (AttentionFactorOverride is { } given) return given;
        double factor = EffectiveFactor(maxPositions);
        static double Scale(double s, double m) => s <= 1 ? 1 : 0.1 * m * Math.Log(s) + 1;
        return Mscale is { } m && m != 0 && MscaleAllDim is { } all && all != 0
            ? Scale(factor, m) / Scale(factor, all)
            : Scale(factor, 1);
    }

    /// <inheritdoc/>
    public override double[] InverseFrequencies(double theta, int dim, int maxPositions)
    {
        double factor = EffectiveFactor(maxPositions);
        int original = OriginalMaxPositions ?? maxPositions;
        // The dimension whose wavelength makes `rotations` turns over the original context.
        double CorrectionDim(double rotations) => dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = CorrectionDim(BetaFast), high = CorrectionDim(BetaSlow);
        if (Truncate) (low, high) = (Math.Floor(low), Math.Ceiling(high));
        low = Math.Max(low, 0);
        high = Math.Min(high, dim - 1);
        if (low == high) high += 0.001;  // as transformers, against a zero-width ramp
        var extrapolation = DefaultInverseFrequencies(theta, dim);
        return extrapolation.Select((f, i) =>
        {
            // transformers computes the ramp in float32.
            double ramp = Math.Clamp((float)((i - low) / (high - low)), 0, 1);
            double keep = 1 - ramp;                                   // weight of the original frequency
            return f / factor * (1 - keep) + f * keep;
        }).ToArray();
    }

    private double EffectiveFactor(int maxPositions) =>
        Factor ?? (double)maxPositions / (OriginalMaxPositions ?? maxPositions);
}
