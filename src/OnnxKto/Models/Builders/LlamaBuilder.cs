using OnnxKto.Graphs;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Llama family (Llama, Mistral, Qwen2, Qwen3, SmolLM, SmolLM3, OLMo 2): RMSNorm, rotary positions (scaled as the
/// config says, skipped on <see cref="ModelConfig.NoRopeLayers"/>), SwiGLU MLP, grouped-query attention, Linear weights
/// stored [out, in], optional q/k/v biases (Qwen2), optional q/k norms (Qwen3 per head, OLMo 2 over the projection),
/// norms before (Llama) or after (OLMo 2) each block, tied or separate head.
/// </summary>
internal class LlamaBuilder(ModelConfig config) : DecoderBuilder(config)
{
    private const string Prefix = "model";

    protected override Value MakeEmbedding(Value ids, ForwardContext context)
    {
        var table = Param($"{Prefix}.embed_tokens.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);
        using (ModuleScope($"{Prefix}.embed_tokens"))
            return B.Reshape(B.Gather(table, ids), -1, Config.HiddenSize);  // (N, E)
    }

    // Pre:  input_layernorm → attn → +res → post_attention_layernorm → SwiGLU mlp → +res
    // Post: attn → post_attention_layernorm → +res → SwiGLU mlp → post_feedforward_layernorm → +res (OLMo 2)
    protected override Value MakeLayer(int layer, Value x, ForwardContext context)
    {
        string p = $"{Prefix}.layers.{layer}";
        bool pre = Config.NormPlacement == NormPlacement.Pre;
        var h = pre ? RmsNorm($"{p}.input_layernorm", x, Config.HiddenSize) : x;
        h = SelfAttention(layer, p, h, context);
        if (!pre) h = RmsNorm($"{p}.post_attention_layernorm", h, Config.HiddenSize);
        x = B.Add(x, h);
        h = pre ? RmsNorm($"{p}.post_attention_layernorm", x, Config.HiddenSize) : x;
        h = Mlp(p, h);
        if (!pre) h = RmsNorm($"{p}.post_feedforward_layernorm", h, Config.HiddenSize);
        return B.Add(x, h);
    }

    private Value SelfAttention(int layer, string p, Value h, ForwardContext context)
    {
        long e = Config.HiddenSize, d = Config.HeadDim;
        using var _ = B.Scope("attn");
        var (q, k, v) = QkvProjections($"{p}.self_attn", h);
        if (Config.QkNorm == QkNorm.Projection)
        {
            q = RmsNorm($"{p}.self_attn.q_norm", q, Config.NumHeads * Config.HeadDim);
            k = RmsNorm($"{p}.self_attn.k_norm", k, Config.NumKvHeads * Config.HeadDim);
        }
        Func<string, Value, Value>? headNorm = Config.QkNorm == QkNorm.PerHead
            ? (which, heads) => RmsNorm($"{p}.self_attn.{which}_norm", heads, Config.HeadDim)
            : null;
        return Linear(Attention(layer, q, k, v, context, headNorm), $"{p}.self_attn.o_proj", Config.NumHeads * d, e, bias: false);
    }

    private Value Mlp(string p, Value h)
    {
        long e = Config.HiddenSize, inner = Config.IntermediateSize;
        using var _ = B.Scope("mlp");
        var (gate, up) = GateUpProjections($"{p}.mlp", h);
        var swiglu = B.Mul(B.Mul(gate, B.Sigmoid(gate)), up);  // silu(gate) ⊙ up
        return Linear(swiglu, $"{p}.mlp.down_proj", inner, e, bias: false);
    }

    /// <summary>q (N, H·D), k and v (N, Hkv·D) from the normed rows of the attention module <paramref name="attention"/>.</summary>
    protected virtual (Value Q, Value K, Value V) QkvProjections(string attention, Value h)
    {
        long e = Config.HiddenSize, d = Config.HeadDim;
        return (Linear(h, $"{attention}.q_proj", e, Config.NumHeads * d, Config.AttentionBias),
                Linear(h, $"{attention}.k_proj", e, Config.NumKvHeads * d, Config.AttentionBias),
                Linear(h, $"{attention}.v_proj", e, Config.NumKvHeads * d, Config.AttentionBias));
    }

    /// <summary>The MLP's gate and up projections (N, intermediate) from the normed rows of the module <paramref name="mlp"/>.</summary>
    protected virtual (Value Gate, Value Up) GateUpProjections(string mlp, Value h) =>
        (Linear(h, $"{mlp}.gate_proj", Config.HiddenSize, Config.IntermediateSize, bias: false),
         Linear(h, $"{mlp}.up_proj", Config.HiddenSize, Config.IntermediateSize, bias: false));

    protected override Value MakeFinalNorm(Value x) => RmsNorm($"{Prefix}.norm", x, Config.HiddenSize);

    protected override Value HeadWeight() => Config.TieWordEmbeddings
        ? B.Graph[$"{Prefix}.embed_tokens.weight"]
        : Param("lm_head.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);

    /// <summary>
    /// cos/sin of position·inv_freq (scaled per <see cref="ModelConfig.RopeScaling"/>), over both halves of the rotated
    /// width: (B, 1, T, <see cref="ModelConfig.RotaryDim"/>).
    /// </summary>
    protected override (Value Cos, Value Sin)? MakeRotary(Value positions) =>
        RotaryTables.Make(B, positions, Config.RopeScaling, Config.RopeTheta, Config.RotaryDim, Config.MaxPositions, Precision);

    // y = x / √(mean(x²) + ε) ⊙ w over the last axis, of width `width`.
    private Value RmsNorm(string name, Value x, long width)
    {
        var weight = Param($"{name}.weight", [width], ParameterInit.Ones, decay: false);
        using var _ = ModuleScope(name);
        var meanSquare = B.ReduceMean(B.Mul(x, x), [-1], keepDims: true);
        var inverse = B.Op("Reciprocal", [B.Sqrt(B.Add(meanSquare, Const(Config.NormEpsilon)))]);
        return B.Mul(B.Mul(x, inverse), weight);
    }
}
