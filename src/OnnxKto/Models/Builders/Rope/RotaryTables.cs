using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders.Rope;

/// <summary>
/// The cos/sin tables of rotary embeddings, as transformers' <c>*RotaryEmbedding.forward</c> makes them: angles
/// position·inv_freq in float32, duplicated over both halves, cos and sin times the scaling's attention factor.
/// </summary>
public static class RotaryTables
{
    /// <summary>cos and sin (B, 1, T, dim) in <paramref name="precision"/> for int64 positions (B, T).</summary>
    /// <param name="b">The graph builder.</param>
    /// <param name="positions">Token positions, int64 (B, T).</param>
    /// <param name="scaling">The rope scaling; null for plain RoPE.</param>
    /// <param name="theta">The rotary base, e.g. 10000.</param>
    /// <param name="dim">The rotated width (even), e.g. head_dim.</param>
    /// <param name="maxPositions">config.json's <c>max_position_embeddings</c>.</param>
    /// <param name="precision">Element type of the tables (float32, or float64 in gradient tests).</param>
    public static (Value Cos, Value Sin) Make(GraphBuilder b, Value positions, RopeScaling? scaling, double theta, int dim,
        int maxPositions, DataType precision)
    {
        var floatPositions = b.Unsqueeze(b.Cast(positions, DataType.Float), -1);      // (B, T, 1)
        var angles = scaling is null
            ? b.Mul(floatPositions, b.Const(TensorData.FromFloats([dim / 2],
                RopeScaling.DefaultInverseFrequencies(theta, dim).Select(f => (float)f).ToArray())))
            : scaling.Angles(b, floatPositions, theta, dim, maxPositions);               // (B, T, dim/2)
        // Computed in float32 as transformers does, then widened when the graph runs in float64.
        angles = b.Cast(angles, precision);
        var full = b.Unsqueeze(b.Concat(-1, angles, angles), 1);                        // (B, 1, T, dim)
        Value cos = b.Op("Cos", [full]), sin = b.Op("Sin", [full]);
        double factor = scaling?.AttentionFactor(maxPositions) ?? 1;
        if (factor != 1)
        {
            var scale = b.Scalar(factor, precision);
            (cos, sin) = (b.Mul(cos, scale), b.Mul(sin, scale));
        }
        return (cos, sin);
    }
}
