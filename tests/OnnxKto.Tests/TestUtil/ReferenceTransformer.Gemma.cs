using OnnxKto.Models;

namespace OnnxKto.Tests.TestUtil;

public static partial class ReferenceTransformer
{
    /// <summary>
    /// Gemma2ForCausalLM / Gemma3ForCausalLM (transformers' modeling_gemma2.py, modeling_gemma3.py): embeddings times the
    /// float32 √hidden, Gemma's RMSNorm x/√(mean x² + ε)·(1 + w), sandwich norms around attention and MLP, q/k norms per
    /// head (gemma3_text), scores · query_pre_attn_scalar^−½, attention and final soft-capping when configured, sliding
    /// layers (layer_types) with rope_local_base_freq and no rope scaling on Gemma 3.
    /// </summary>
    private static double[] GemmaLogits(ModelConfig c, IReadOnlyDictionary<string, double[]> w, long[] ids, long[] mask, int batch, int seq)
    {
        int e = c.HiddenSize, n = batch * seq, d = c.HeadDim, qd = c.NumHeads * d, kvd = c.NumKvHeads * d;
        bool gemma3 = c.ModelType == "gemma3_text";
        var positions = Positions(mask, batch, seq);
        float normalizer = (float)Math.Sqrt(e);  // embed_scale.to(weight.dtype), float32 weights
        var x = new double[n * e];
        for (int r = 0; r < n; r++)
            for (int k = 0; k < e; k++)
                x[r * e + k] = w["model.embed_tokens.weight"][ids[r] * e + k] * normalizer;

        for (int l = 0; l < c.NumLayers; l++)
        {
            string p = $"model.layers.{l}";
            bool sliding = c.IsSliding(l);
            double[]? Bias(string name) => c.AttentionBias ? w[name] : null;
            var h = GemmaNorm(x, w[$"{p}.input_layernorm.weight"], e, c.NormEpsilon);
            var q = Dense(h, w[$"{p}.self_attn.q_proj.weight"], Bias($"{p}.self_attn.q_proj.bias"), e, qd, outIn: true);
            var k = Dense(h, w[$"{p}.self_attn.k_proj.weight"], Bias($"{p}.self_attn.k_proj.bias"), e, kvd, outIn: true);
            var v = Dense(h, w[$"{p}.self_attn.v_proj.weight"], Bias($"{p}.self_attn.v_proj.bias"), e, kvd, outIn: true);
            if (gemma3)
            {
                q = GemmaNorm(q, w[$"{p}.self_attn.q_norm.weight"], d, c.NormEpsilon);  // over each head's d features
                k = GemmaNorm(k, w[$"{p}.self_attn.k_norm.weight"], d, c.NormEpsilon);
            }
            // Gemma 3's local layers: default RoPE at rope_local_base_freq; global ones: rope_theta with rope_scaling.
            var frequencies = ReferenceRope.InverseFrequencies(sliding && gemma3 ? c with { RopeTheta = c.LocalRopeTheta!.Value, RopeScaling = null } : c);
            var a = Attention(c, Rope(q, positions, qd, d, frequencies), Rope(k, positions, kvd, d, frequencies), v, mask, positions,
                batch, seq, rope: false, window: sliding ? c.SlidingWindow : null, scale: Math.Pow(c.QueryPreAttnScalar!.Value, -0.5),
                softcap: gemma3 ? null : c.AttentionSoftcap);
            var o = Dense(a, w[$"{p}.self_attn.o_proj.weight"], Bias($"{p}.self_attn.o_proj.bias"), qd, e, outIn: true);
            Accumulate(x, GemmaNorm(o, w[$"{p}.post_attention_layernorm.weight"], e, c.NormEpsilon));
            h = GemmaNorm(x, w[$"{p}.pre_feedforward_layernorm.weight"], e, c.NormEpsilon);
            var gate = Dense(h, w[$"{p}.mlp.gate_proj.weight"], null, e, c.IntermediateSize, outIn: true);
            var up = Dense(h, w[$"{p}.mlp.up_proj.weight"], null, e, c.IntermediateSize, outIn: true);
            var act = gate.Zip(up, (g, u) => GeluPytorchTanh(g) * u).ToArray();
            var mlp = Dense(act, w[$"{p}.mlp.down_proj.weight"], null, c.IntermediateSize, e, outIn: true);
            Accumulate(x, GemmaNorm(mlp, w[$"{p}.post_feedforward_layernorm.weight"], e, c.NormEpsilon));
        }
        x = GemmaNorm(x, w["model.norm.weight"], e, c.NormEpsilon);
        var logits = Dense(x, c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"], null, e, c.VocabSize, outIn: true);
        return c.FinalLogitSoftcap is { } cap ? logits.Select(t => cap * Math.Tanh(t / cap)).ToArray() : logits;
    }

    /// <summary>Gemma3RMSNorm: x · rsqrt(mean(x²) + ε) · (1 + w) over each group of <paramref name="width"/> features.</summary>
    private static double[] GemmaNorm(double[] x, double[] g, int width, double eps) =>
        RmsNorm(x, g.Select(t => 1 + t).ToArray(), width, eps);

    /// <summary>gelu_pytorch_tanh: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    private static double GeluPytorchTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}
