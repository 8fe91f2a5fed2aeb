using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Phi-3, Phi-3.5 and Phi-4-mini (transformers' <c>modeling_phi3.py</c>): the Llama layout with q, k and v fused into
/// one <c>qkv_proj</c> and gate and up into one <c>gate_up_proj</c>; the rotary embedding covers the first
/// <c>partial_rotary_factor</c> of each head and LongRoPE is a <see cref="Rope.LongRopeScaling"/> (both in the base).
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
}
