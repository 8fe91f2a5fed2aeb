using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

public abstract partial class DecoderBuilder
{
    /// <summary>
    /// Scaled dot-product attention with the shared causal/padding bias (the sliding-window one on sliding layers),
    /// grouped-query heads and an optional KV cache. q (N, H·D), k and v (N, Hkv·D) → (N, H·D).
    /// </summary>
    /// <param name="layer">The layer index (for the KV cache names, its rotary table and its mask).</param>
    /// <param name="q">Query rows (N, H·D).</param>
    /// <param name="k">Key rows (N, Hkv·D).</param>
    /// <param name="v">Value rows (N, Hkv·D).</param>
    /// <param name="context">The shared per-graph values.</param>
    /// <param name="headNorm">Applied to queries (first argument "q") and keys ("k") split into heads (B, heads, T, D)
    /// before the rotation: Qwen3's per-head RMSNorm; null for none.</param>
    protected Value Attention(int layer, Value q, Value k, Value v, ForwardContext context, Func<string, Value, Value>? headNorm = null)
    {
        int h = Config.NumHeads, hkv = Config.NumKvHeads, d = Config.HeadDim;
        var qh = SplitHeads(q, h, context);                                 // (B, H, T, D)
        var kh = SplitHeads(k, hkv, context);                               // (B, Hkv, T, D)
        var vh = SplitHeads(v, hkv, context);
        if (headNorm is not null)
        {
            qh = headNorm("q", qh);
            kh = headNorm("k", kh);
        }
        if (RotaryFor(layer, context) is var (cos, sin))
        {
            qh = Rotate(qh, cos, sin);
            kh = Rotate(kh, cos, sin);
        }
        if (context.KvCache)
        {
            var past = new Shape("batch", hkv, "past_seq", d);
            kh = B.Concat(2, B.Graph.AddInput(ModelGraph.PastKey(layer), Precision, past), kh);
            vh = B.Concat(2, B.Graph.AddInput(ModelGraph.PastValue(layer), Precision, past), vh);
            foreach (var (value, name) in new[] { (kh, ModelGraph.PresentKey(layer)), (vh, ModelGraph.PresentValue(layer)) })
                B.Output(B.AssumeShape(value, new Shape("batch", hkv, "total_seq", d)), name);
        }
        kh = RepeatKv(kh);
        vh = RepeatKv(vh);
        // Scores scaled by head_dim^−½, or Gemma's query_pre_attn_scalar^−½, and soft-capped (Gemma 2) before the mask.
        var scores = B.Mul(B.MatMul(qh, B.Transpose(kh, 0, 1, 3, 2)), Const(1 / Math.Sqrt(Config.QueryPreAttnScalar ?? d))); // (B, H, T, S)
        if (Config.AttentionSoftcap is { } cap) scores = Softcap(scores, cap);
        var weights = B.Op("Softmax", [B.Add(scores, AttentionBiasFor(layer, context))], ("axis", -1L));
        var mixed = B.MatMul(weights, vh);                                  // (B, H, T, D)
        return B.Reshape(B.Transpose(mixed, 0, 2, 1, 3), -1, h * d);        // (N, H·D)
    }

    /// <summary>
    /// The rotary tables layer <paramref name="layer"/> uses: the shared ones (the local ones on sliding layers when the
    /// model has them, Gemma 3), none on <see cref="ModelConfig.NoRopeLayers"/>.
    /// </summary>
    protected virtual (Value Cos, Value Sin)? RotaryFor(int layer, ForwardContext context) =>
        Config.NoRopeLayers.Contains(layer) ? null
        : Config.IsSliding(layer) && context.LocalRotary is not null ? context.LocalRotary
        : context.Rotary;

    /// <summary>The additive mask of layer <paramref name="layer"/>: the sliding-window one on sliding layers, else the causal one.</summary>
    protected Value AttentionBiasFor(int layer, ForwardContext context) =>
        Config.IsSliding(layer) ? context.SlidingAttentionBias! : context.AttentionBias;

    /// <summary>(N, heads·D) → (B, heads, T, D).</summary>
    private Value SplitHeads(Value rows, int heads, ForwardContext context)
    {
        var split = B.Reshape(rows, B.Concat(0, context.BatchSeq, B.Ints(heads, Config.HeadDim)));
        B.AssumeShape(split, new Shape("batch", "seq", heads, Config.HeadDim));
        return B.Transpose(split, 0, 2, 1, 3);
    }

    /// <summary>Grouped-query attention: each key/value head serves H/Hkv query heads. (B, Hkv, S, D) → (B, H, S, D).</summary>
    private Value RepeatKv(Value x)
    {
        int groups = Config.NumHeads / Config.NumKvHeads;
        if (groups == 1) return x;
        var expanded = B.Expand(B.Unsqueeze(x, 2), B.Ints(1, 1, groups, 1, 1));  // (B, Hkv, groups, S, D)
        return B.Reshape(expanded, 0, Config.NumHeads, -1, Config.HeadDim);
    }

    /// <summary>
    /// Rotary embedding, Hugging Face's rotate_half form: x·cos + [−x₂, x₁]·sin on the first
    /// <see cref="ModelConfig.RotaryDim"/> features of each head; the rest pass through (Phi-3's partial rotary factor).
    /// </summary>
    private Value Rotate(Value x, Value cos, Value sin)
    {
        int rotated = Config.RotaryDim, d = Config.HeadDim;
        if (rotated < d)
        {
            var parts = B.Ops("Split", 2, [x, B.Ints(rotated, d - rotated)], ("axis", -1L));
            return B.Concat(-1, RotateHalf(parts[0], cos, sin), parts[1]);
        }
        return RotateHalf(x, cos, sin);
    }

    private Value RotateHalf(Value x, Value cos, Value sin)
    {
        var halves = B.Ops("Split", 2, [x], ("axis", -1L), ("num_outputs", 2L));
        var rotated = B.Concat(-1, B.Neg(halves[1]), halves[0]);
        return B.Add(B.Mul(x, cos), B.Mul(rotated, sin));
    }
}
