namespace OnnxKto.Models.Builders.Rope;

/// <summary>
/// <c>rope_type: llama3</c> (Llama 3.1 and 3.2): wavelengths longer than original/low_freq_factor are divided by the
/// factor, shorter than original/high_freq_factor kept, and the band between interpolated smoothly.
/// </summary>
/// <param name="Factor">config.json's <c>factor</c>, e.g. 32.0 (Llama 3.2) or 8.0 (Llama 3.1).</param>
/// <param name="LowFreqFactor"><c>low_freq_factor</c>, e.g. 1.0.</param>
/// <param name="HighFreqFactor"><c>high_freq_factor</c>, e.g. 4.0.</param>
/// <param name="OriginalMaxPositions"><c>original_max_position_embeddings</c>, e.g. 8192.</param>
public sealed record Llama3RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositions) : RopeScaling
{
    /// <inheritdoc/>
    public override string RopeType => "llama3";

    /// <inheritdoc/>
    public override double[] InverseFrequencies(double theta, int dim, int maxPositions)
    {
        double lowWavelength = OriginalMaxPositions / LowFreqFactor, highWavelength = OriginalMaxPositions / HighFreqFactor;
        return DefaultInverseFrequencies(theta, dim).Select(f =>
        {
            double wavelength = 2 * Math.PI / f;
            if (wavelength < highWavelength) return f;
            if (wavelength > lowWavelength) return f / Factor;
            double smooth = (OriginalMaxPositions / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
            return (1 - smooth) * f / Factor + smooth * f;
        }).ToArray();
    }
}
