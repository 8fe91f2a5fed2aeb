namespace OnnxKto.Models.Builders.Rope;

/// <summary><c>rope_type: linear</c>: positions divided by <see cref="Factor"/> (the inverse frequencies, equivalently).</summary>
/// <param name="Factor">config.json's <c>factor</c>, e.g. 4.0.</param>
public sealed record LinearRopeScaling(double Factor) : RopeScaling
{
    /// <inheritdoc/>
    public override string RopeType => "linear";

    /// <inheritdoc/>
    public override double[] InverseFrequencies(double theta, int dim, int maxPositions) =>
        DefaultInverseFrequencies(theta, dim).Select(f => f / Factor).ToArray();
}
