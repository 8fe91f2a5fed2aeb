using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Phi-3, Phi-3.5 and Phi-4-mini (transformers' <c>modeling_phi3.py</c>): the Llama layout with q, k and v fused into
/// one <c>qkv_proj</c> and gate and up into one <c>gate_up_proj</c>, rotary positions on the first
/// <c>partial_rotary_factor</c> of each head, and LongRoPE frequencies chosen per batch.
/// </summary>
internal sealed class Phi3Builder(ModelConfig config) : LlamaBuilder(config)
{
    // qkv_proj (N, (H + 2·Hkv)·D) = [q | k | v].
    protected override (Value Q, Value K, Value V) QkvProjections(string attention, Value h)
    {
        long q = Config.NumHeads * Config.HeadDim, kv = Config.NumKvHeads * Config.HeadDim;
        var qkv = Linear(h, $"{attention}.qkv_proj", Config.HiddenSize, q + 2 * kv, bias: false);
        var parts = B.Ops("Split", 3, [qkv, B.Ints(q, kv, kv)], ("axis", -1L));
        return (parts[0], parts[1], parts[2]);
    }

    // gate_up_proj (N, 2·I) = [gate | up] (transformers' chunk(2)).
    protected override (Value Gate, Value Up) GateUpProjections(string mlp, Value h)
    {
        long inner = Config.IntermediateSize;
        var gateUp = Linear(h, $"{mlp}.gate_up_proj", Config.HiddenSize, 2 * inner, bias: false);
        var parts = B.Ops("Split", 2, [gateUp, B.Ints(inner, inner)], ("axis", -1L));
        return (parts[0], parts[1]);
    }

    /// <summary>
    /// LongRoPE: f_i = 1 / (factor_i · θ^(2i/d)) with the long factors when max(position) + 1 exceeds the original context
    /// (over the whole batch, as transformers' <c>longrope_frequency_update</c> decides per forward call) and the short
    /// ones otherwise; cos and sin scaled by the attention factor. Plain rotary positions without <c>rope_scaling</c>.
    /// </summary>
    protected override (Value Cos, Value Sin)? MakeRotary(Value positions)
    {
        if (Config.LongRope is not { } rope) return base.MakeRotary(positions);
        int dim = Config.RotaryDim;
        Value Frequencies(IReadOnlyList<double> factors) => B.Const(TensorData.FromFloats([dim / 2],
            Enumerable.Range(0, dim / 2).Select(i => 1f / ((float)factors[i] * (float)Math.Pow(Config.RopeTheta, 2.0 * i / dim))).ToArray()));
        var longest = B.Op("ReduceMax", [positions], ("keepdims", 0L));
        var useLong = B.Op("Greater", [longest, B.Scalar(rope.OriginalMaxPositions - 1, DataType.Int64)]);
        var frequencies = B.Where(useLong, Frequencies(rope.LongFactor), Frequencies(rope.ShortFactor));
        return RotaryTables(positions, frequencies, rope.AttentionFactor);
    }
}
