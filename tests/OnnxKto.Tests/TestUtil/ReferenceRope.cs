using OnnxKto.Models;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Rotary inverse frequencies and attention factor written out again from transformers' <c>modeling_rope_utils.py</c>
/// (<c>_compute_default_rope_parameters</c>, <c>_compute_linear_scaling_rope_parameters</c>,
/// <c>_compute_llama3_parameters</c>, <c>_compute_yarn_parameters</c>), independently of the builders' code, for the
/// float64 reference transformer. Only the parameters are read from the config's scaling record.
/// </summary>
public static class ReferenceRope
{
    public static float[] InverseFrequencies(ModelConfig c)
    {
        int dim = c.HeadDim;
        double theta = c.RopeTheta;
        var plain = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) plain[i] = 1.0 / Math.Pow(theta, (double)(2 * i) / dim);
        double[] scaled = c.RopeScaling switch
        {
            null => plain,
            LinearRopeScaling linear => plain.Select(f => f / linear.Factor).ToArray(),
            Llama3RopeScaling l3 => Llama3(plain, l3),
            YarnRopeScaling yarn => Yarn(plain, yarn, c, dim),
            var other => throw new NotSupportedException(other.RopeType),
        };
        return scaled.Select(f => (float)f).ToArray();
    }

    public static double AttentionFactor(ModelConfig c)
    {
        if (c.RopeScaling is not YarnRopeScaling yarn) return 1;
        if (yarn.AttentionFactorOverride is { } given) return given;
        double factor = YarnFactor(yarn, c);
        double MScale(double scale, double m) => scale <= 1 ? 1.0 : 0.1 * m * Math.Log(scale) + 1.0;
        if (yarn.Mscale is { } m && m != 0 && yarn.MscaleAllDim is { } all && all != 0) return MScale(factor, m) / MScale(factor, all);
        return MScale(factor, 1);
    }

    private static double[] Llama3(double[] plain, Llama3RopeScaling s)
    {
        double lowWavelen = s.OriginalMaxPositions / s.LowFreqFactor, highWavelen = s.OriginalMaxPositions / s.HighFreqFactor;
        var result = new double[plain.Length];
        for (int i = 0; i < plain.Length; i++)
        {
            double wavelen = 2 * Math.PI / plain[i];
            double llama = wavelen > lowWavelen ? plain[i] / s.Factor : plain[i];
            double smooth = (s.OriginalMaxPositions / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
            bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            result[i] = medium ? (1 - smooth) * llama / s.Factor + smooth * llama : llama;
        }
        return result;
    }

    private static double YarnFactor(YarnRopeScaling s, ModelConfig c) =>
        s.Factor ?? (double)c.MaxPositions / (s.OriginalMaxPositions ?? c.MaxPositions);

    private static double[] Yarn(double[] plain, YarnRopeScaling s, ModelConfig c, int dim)
    {
        double factor = YarnFactor(s, c);
        int original = s.OriginalMaxPositions ?? c.MaxPositions;
        double FindCorrectionDim(double rotations) => dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(c.RopeTheta));
        double low = FindCorrectionDim(s.BetaFast), high = FindCorrectionDim(s.BetaSlow);
        if (s.Truncate) { low = Math.Floor(low); high = Math.Ceiling(high); }
        low = Math.Max(low, 0);
        high = Math.Min(high, dim - 1);
        if (low == high) high += 0.001;
        var result = new double[plain.Length];
        for (int i = 0; i < plain.Length; i++)
        {
            double ramp = Math.Min(Math.Max((i - low) / (high - low), 0), 1);
            double extrapolationFactor = 1 - ramp;
            double interpolation = plain[i] / factor;
            result[i] = interpolation * (1 - extrapolationFactor) + plain[i] * extrapolationFactor;
        }
        return result;
    }
}
