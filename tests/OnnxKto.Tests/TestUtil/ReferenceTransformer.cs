using OnnxKto.Models;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// An independent float64 forward pass of GPT-2, Llama-family, Gemma and Phi-3 models in plain loops, written from the
/// Hugging Face modelling code's equations, for checking the ONNX graphs the builders emit.
/// Weights are keyed by Hugging Face names; logits come back as (batch·seq, vocab).
/// </summary>
public static partial class ReferenceTransformer
{
    public static double[] Logits(ModelConfig c, IReadOnlyDictionary<string, double[]> w, long[] ids, long[] mask, int batch, int seq)
    {
        if (c.Family == ModelFamily.Gemma) return GemmaLogits(c, w, ids, mask, batch, seq);
        if (c.Family == ModelFamily.Phi3) return Phi3Logits(c, w, ids, mask, batch, seq);
        int e = c.HiddenSize, n = batch * seq;
        var positions = Positions(mask, batch, seq);
        bool gpt2 = c.Family == ModelFamily.Gpt2;
        var x = new double[n * e];
        for (int r = 0; r < n; r++)
            for (int k = 0; k < e; k++)
                x[r * e + k] = gpt2
                    ? w["transformer.wte.weight"][ids[r] * e + k] + w["transformer.wpe.weight"][positions[r] * e + k]
                    : w["model.embed_tokens.weight"][ids[r] * e + k];

        for (int l = 0; l < c.NumLayers; l++)
        {
            if (gpt2)
            {
                string p = $"transformer.h.{l}";
                var h = LayerNorm(x, w[$"{p}.ln_1.weight"], w[$"{p}.ln_1.bias"], e, c.NormEpsilon);
                var qkv = Dense(h, w[$"{p}.attn.c_attn.weight"], w[$"{p}.attn.c_attn.bias"], e, 3 * e, outIn: false);
                var (q, k, v) = (Columns(qkv, 3 * e, 0, e), Columns(qkv, 3 * e, e, e), Columns(qkv, 3 * e, 2 * e, e));
                var a = Attention(c, q, k, v, mask, positions, batch, seq, rope: false);
                Accumulate(x, Dense(a, w[$"{p}.attn.c_proj.weight"], w[$"{p}.attn.c_proj.bias"], e, e, outIn: false));
                h = LayerNorm(x, w[$"{p}.ln_2.weight"], w[$"{p}.ln_2.bias"], e, c.NormEpsilon);
                h = Dense(h, w[$"{p}.mlp.c_fc.weight"], w[$"{p}.mlp.c_fc.bias"], e, c.IntermediateSize, outIn: false);
                h = h.Select(t => 0.5 * t * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (t + 0.044715 * t * t * t)))).ToArray();
                Accumulate(x, Dense(h, w[$"{p}.mlp.c_proj.weight"], w[$"{p}.mlp.c_proj.bias"], c.IntermediateSize, e, outIn: false));
            }
            else
            {
                // Pre (Llama): x + attn(input_layernorm(x)), x + mlp(post_attention_layernorm(x));
                // post (OLMo 2): x + post_attention_layernorm(attn(x)), x + post_feedforward_layernorm(mlp(x)).
                string p = $"model.layers.{l}";
                bool pre = c.NormPlacement == NormPlacement.Pre;
                int qd = c.NumHeads * c.HeadDim, kvd = c.NumKvHeads * c.HeadDim;
                double[]? Bias(string name) => c.AttentionBias ? w[name] : null;
                var h = pre ? RmsNorm(x, w[$"{p}.input_layernorm.weight"], e, c.NormEpsilon) : x;
                var q = Dense(h, w[$"{p}.self_attn.q_proj.weight"], Bias($"{p}.self_attn.q_proj.bias"), e, qd, outIn: true);
                var k = Dense(h, w[$"{p}.self_attn.k_proj.weight"], Bias($"{p}.self_attn.k_proj.bias"), e, kvd, outIn: true);
                var v = Dense(h, w[$"{p}.self_attn.v_proj.weight"], Bias($"{p}.self_attn.v_proj.bias"), e, kvd, outIn: true);
                if (c.QkNorm != QkNorm.None)
                {
                    // OLMo 2 normalises the whole projection; Qwen3 each head (rows of head_dim, one shared weight).
                    bool perHead = c.QkNorm == QkNorm.PerHead;
                    q = RmsNorm(q, w[$"{p}.self_attn.q_norm.weight"], perHead ? c.HeadDim : qd, c.NormEpsilon);
                    k = RmsNorm(k, w[$"{p}.self_attn.k_norm.weight"], perHead ? c.HeadDim : kvd, c.NormEpsilon);
                }
                var a = Attention(c, q, k, v, mask, positions, batch, seq, rope: !c.NoRopeLayers.Contains(l),
                    window: c.IsSliding(l) ? c.SlidingWindow : null);
                a = Dense(a, w[$"{p}.self_attn.o_proj.weight"], null, qd, e, outIn: true);
                Accumulate(x, pre ? a : RmsNorm(a, w[$"{p}.post_attention_layernorm.weight"], e, c.NormEpsilon));
                h = pre ? RmsNorm(x, w[$"{p}.post_attention_layernorm.weight"], e, c.NormEpsilon) : x;
                var gate = Dense(h, w[$"{p}.mlp.gate_proj.weight"], null, e, c.IntermediateSize, outIn: true);
                var up = Dense(h, w[$"{p}.mlp.up_proj.weight"], null, e, c.IntermediateSize, outIn: true);
                var act = gate.Zip(up, (g, u) => g / (1 + Math.Exp(-g)) * u).ToArray();
                var m = Dense(act, w[$"{p}.mlp.down_proj.weight"], null, c.IntermediateSize, e, outIn: true);
                Accumulate(x, pre ? m : RmsNorm(m, w[$"{p}.post_feedforward_layernorm.weight"], e, c.NormEpsilon));
            }
        }
        x = gpt2
            ? LayerNorm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], e, c.NormEpsilon)
            : RmsNorm(x, w["model.norm.weight"], e, c.NormEpsilon);
        var head = gpt2 ? w["transformer.wte.weight"] : c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
        return Dense(x, head, null, e, c.VocabSize, outIn: true);
    }

    /// <summary>Hugging Face's positions for padded batches: running count of real tokens − 1, at least 0.</summary>
    /// <summary>
    /// log π(completion | prompt) of one unpadded sequence: the sum over completion tokens of the log softmax of the
    /// previous position's logits.
    /// </summary>
    public static double SequenceLogProb(ModelConfig c, IReadOnlyDictionary<string, double[]> w, long[] prompt, long[] completion)
    {
        long[] ids = [.. prompt, .. completion];
        var logits = Logits(c, w, ids, ids.Select(_ => 1L).ToArray(), 1, ids.Length);
        int v = c.VocabSize;
        double sum = 0;
        for (int t = prompt.Length; t < ids.Length; t++)
        {
            var row = logits.AsSpan((t - 1) * v, v);
            double max = double.NegativeInfinity;
            foreach (var x in row) max = Math.Max(max, x);
            double z = 0;
            foreach (var x in row) z += Math.Exp(x - max);
            sum += row[(int)ids[t]] - max - Math.Log(z);
        }
        return sum;
    }

    public static long[] Positions(long[] mask, int batch, int seq)
    {
        var positions = new long[batch * seq];
        for (int b = 0; b < batch; b++)
        {
            long count = 0;
            for (int t = 0; t < seq; t++)
            {
                count += mask[b * seq + t];
                positions[b * seq + t] = Math.Max(count - 1, 0);
            }
        }
        return positions;
    }

    // window: a query at position p sees positions p − window + 1 .. p (transformers' sliding_window_overlay, on the
    // positions: they equal the columns but for left padding); null: all. scale: of the scores, head_dim^−½ by default;
    // softcap: scores become c·tanh(s/c) before the mask (Gemma 2's attn_logit_softcapping).
    private static double[] Attention(ModelConfig c, double[] q, double[] k, double[] v, long[] mask, long[] positions,
        int batch, int seq, bool rope, int? window = null, double? scale = null, double? softcap = null)
    {
        int h = c.NumHeads, d = c.HeadDim, qd = h * d, kvd = c.NumKvHeads * d, group = c.NumHeads / c.NumKvHeads;
        if (rope)
        {
            var inverse = ReferenceRope.InverseFrequencies(c);
            double factor = ReferenceRope.AttentionFactor(c);
            q = Rope(q, positions, qd, d, inverse, factor);
            k = Rope(k, positions, kvd, d, inverse, factor);
        }
        var output = new double[batch * seq * qd];
        for (int b = 0; b < batch; b++)
            for (int head = 0; head < h; head++)
            {
                int kvHead = head / group;
                for (int i = 0; i < seq; i++)
                {
                    var scores = new double[i + 1];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= i; j++)
                    {
                        if (mask[b * seq + j] == 0 || positions[b * seq + i] - positions[b * seq + j] >= window) { scores[j] = double.NegativeInfinity; continue; }
                        double s = 0;
                        for (int t = 0; t < d; t++) s += q[(b * seq + i) * qd + head * d + t] * k[(b * seq + j) * kvd + kvHead * d + t];
                        s *= scale ?? 1 / Math.Sqrt(d);
                        scores[j] = softcap is { } cap ? cap * Math.Tanh(s / cap) : s;
                        max = Math.Max(max, scores[j]);
                    }
                    if (double.IsNegativeInfinity(max)) continue; // a padding query with nothing to attend to
                    double total = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j <= i; j++)
                    {
                        if (double.IsNegativeInfinity(scores[j])) continue;
                        double p = Math.Exp(scores[j] - max) / total;
                        for (int t = 0; t < d; t++) output[(b * seq + i) * qd + head * d + t] += p * v[(b * seq + j) * kvd + kvHead * d + t];
                    }
                }
            }
        return output;
    }

    // cos/sin of position·inv_freq, the product in float32 as transformers computes it, times the attention factor, on
    // each head's first 2·|inv_freq| features (the rest pass through: Phi-3's partial rotary factor).
    private static double[] Rope(double[] x, long[] positions, int width, int d, float[] inverse, double factor = 1)
    {
        var y = (double[])x.Clone();
        int half = inverse.Length;
        for (int r = 0; r < positions.Length; r++)
            for (int head = 0; head < width / d; head++)
                for (int i = 0; i < half; i++)
                {
                    float angle = positions[r] * inverse[i];
                    double cos = Math.Cos(angle) * factor, sin = Math.Sin(angle) * factor;
                    int a = r * width + head * d + i, b = a + half;
                    y[a] = x[a] * cos - x[b] * sin;
                    y[b] = x[b] * cos + x[a] * sin;
                }
        return y;
    }

    /// <summary>rows (n, inF) → (n, outF); weight stored [out, in] (Linear) or [in, out] (Conv1D).</summary>
    private static double[] Dense(double[] x, double[] weight, double[]? bias, int inF, int outF, bool outIn)
    {
        int n = x.Length / inF;
        var y = new double[n * outF];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = bias?[o] ?? 0;
                for (int i = 0; i < inF; i++) s += x[r * inF + i] * (outIn ? weight[o * inF + i] : weight[i * outF + o]);
                y[r * outF + o] = s;
            }
        return y;
    }

    private static double[] Columns(double[] x, int width, int start, int count)
    {
        int n = x.Length / width;
        var y = new double[n * count];
        for (int r = 0; r < n; r++) Array.Copy(x, r * width + start, y, r * count, count);
        return y;
    }

    private static double[] LayerNorm(double[] x, double[] g, double[] b, int e, double eps)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / e; r++)
        {
            var row = x.AsSpan(r * e, e);
            double mean = 0, variance = 0;
            foreach (var t in row) mean += t;
            mean /= e;
            foreach (var t in row) variance += (t - mean) * (t - mean);
            variance /= e;
            for (int k = 0; k < e; k++) y[r * e + k] = (row[k] - mean) / Math.Sqrt(variance + eps) * g[k] + b[k];
        }
        return y;
    }

    private static double[] RmsNorm(double[] x, double[] g, int e, double eps)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / e; r++)
        {
            double ms = 0;
            for (int k = 0; k < e; k++) ms += x[r * e + k] * x[r * e + k];
            double inv = 1 / Math.Sqrt(ms / e + eps);
            for (int k = 0; k < e; k++) y[r * e + k] = x[r * e + k] * inv * g[k];
        }
        return y;
    }

    private static void Accumulate(double[] x, double[] delta)
    {
        for (int i = 0; i < x.Length; i++) x[i] += delta[i];
    }
}
