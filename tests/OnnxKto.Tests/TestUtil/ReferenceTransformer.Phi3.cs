using OnnxKto.Models;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Tests.TestUtil;

public static partial class ReferenceTransformer
{
    /// <summary>
    /// Phi3ForCausalLM (transformers' modeling_phi3.py): Llama's RMSNorm and SwiGLU with q|k|v read from one qkv_proj and
    /// gate|up from one gate_up_proj, rotary positions on the first int(head_dim · partial_rotary_factor) features, LongRoPE
    /// (_compute_longrope_parameters with longrope_frequency_update: the long factors when max(position_ids) + 1 exceeds
    /// original_max_position_embeddings, cos and sin times the attention factor) and a sliding window on every layer.
    /// </summary>
    private static double[] Phi3Logits(ModelConfig c, IReadOnlyDictionary<string, double[]> w, long[] ids, long[] mask, int batch, int seq)
    {
        int e = c.HiddenSize, n = batch * seq, d = c.HeadDim, qd = c.NumHeads * d, kvd = c.NumKvHeads * d, inner = c.IntermediateSize;
        var positions = Positions(mask, batch, seq);
        int rotary = (int)(d * c.PartialRotaryFactor);
        var frequencies = Enumerable.Range(0, rotary / 2).Select(i => (float)(1.0 / Math.Pow(c.RopeTheta, (double)(2 * i) / rotary))).ToArray();
        double scaling = 1;
        if (c.RopeScaling is LongRopeScaling rope)
        {
            var factors = positions.Max() + 1 > rope.OriginalMaxPositions ? rope.LongFactor : rope.ShortFactor;
            frequencies = Enumerable.Range(0, rotary / 2)
                .Select(i => 1f / ((float)factors[i] * (float)Math.Pow(c.RopeTheta, (float)(2 * i) / rotary))).ToArray();
            scaling = rope.AttentionScale;
        }
        var x = new double[n * e];
        for (int r = 0; r < n; r++)
            for (int k = 0; k < e; k++)
                x[r * e + k] = w["model.embed_tokens.weight"][ids[r] * e + k];

        for (int l = 0; l < c.NumLayers; l++)
        {
            string p = $"model.layers.{l}";
            var h = RmsNorm(x, w[$"{p}.input_layernorm.weight"], e, c.NormEpsilon);
            var qkv = Dense(h, w[$"{p}.self_attn.qkv_proj.weight"], null, e, qd + 2 * kvd, outIn: true);
            var (q, k, v) = (Columns(qkv, qd + 2 * kvd, 0, qd), Columns(qkv, qd + 2 * kvd, qd, kvd), Columns(qkv, qd + 2 * kvd, qd + kvd, kvd));
            var a = Attention(c, Rope(q, positions, qd, d, frequencies, scaling), Rope(k, positions, kvd, d, frequencies, scaling), v,
                mask, positions, batch, seq, rope: false, window: c.IsSliding(l) ? c.SlidingWindow : null);
            Accumulate(x, Dense(a, w[$"{p}.self_attn.o_proj.weight"], null, qd, e, outIn: true));
            h = RmsNorm(x, w[$"{p}.post_attention_layernorm.weight"], e, c.NormEpsilon);
            var gateUp = Dense(h, w[$"{p}.mlp.gate_up_proj.weight"], null, e, 2 * inner, outIn: true);
            var (gate, up) = (Columns(gateUp, 2 * inner, 0, inner), Columns(gateUp, 2 * inner, inner, inner));
            var act = gate.Zip(up, (g, u) => g / (1 + Math.Exp(-g)) * u).ToArray();
            Accumulate(x, Dense(act, w[$"{p}.mlp.down_proj.weight"], null, inner, e, outIn: true));
        }
        x = RmsNorm(x, w["model.norm.weight"], e, c.NormEpsilon);
        return Dense(x, c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"], null, e, c.VocabSize, outIn: true);
    }
}
