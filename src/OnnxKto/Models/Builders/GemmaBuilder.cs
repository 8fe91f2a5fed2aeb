using OnnxKto.Graphs;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Gemma 2 and Gemma 3 text (transformers' <c>modeling_gemma2.py</c>, <c>modeling_gemma3.py</c>): embeddings scaled by
/// √E, RMSNorm with (1 + w), a norm before and after both attention and MLP, GeGLU with tanh GELU, scores scaled by
/// <c>query_pre_attn_scalar</c>^−½ and soft-capped, per-head q/k norms (Gemma 3), sliding-window layers interleaved with
/// global ones, soft-capped logits (Gemma 2), and a head tied to the embedding unless the config unties it. Names follow
/// <c>Gemma3ForCausalLM</c>.
/// </summary>
internal sealed class GemmaBuilder(ModelConfig config) : DecoderBuilder(config)
{
    private const string Prefix = "model";

    /// <summary>Gemma 3 adds per-head RMSNorms on queries and keys.</summary>
    private bool QkNorm => Config.ModelType == "gemma3_text";

    // embed_tokens(ids) · √E: transformers casts the normaliser to the weights' type, float32 here.
    protected override Value MakeEmbedding(Value ids, ForwardContext context)
    {
        var table = Param($"{Prefix}.embed_tokens.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);
        using (ModuleScope($"{Prefix}.embed_tokens"))
            return B.Mul(B.Reshape(B.Gather(table, ids), -1, Config.HiddenSize), Const(Math.Sqrt(Config.HiddenSize)));  // (N, E)
    }

    // input_layernorm → attn → post_attention_layernorm → +res → pre_feedforward_layernorm → GeGLU mlp → post_feedforward_layernorm → +res
    protected override Value MakeLayer(int layer, Value x, ForwardContext context)
    {
        string p = $"{Prefix}.layers.{layer}";
        long e = Config.HiddenSize, d = Config.HeadDim, inner = Config.IntermediateSize;
        var h = RmsNorm($"{p}.input_layernorm", x, e);
        using (B.Scope("attn"))
        {
            bool bias = Config.AttentionBias;
            var q = Linear(h, $"{p}.self_attn.q_proj", e, Config.NumHeads * d, bias);
            var k = Linear(h, $"{p}.self_attn.k_proj", e, Config.NumKvHeads * d, bias);
            var v = Linear(h, $"{p}.self_attn.v_proj", e, Config.NumKvHeads * d, bias);
            // Gemma 3: q_norm and k_norm over each head's D features, before the rotary embedding.
            Func<string, Value, Value>? headNorm = QkNorm ? (which, heads) => RmsNorm($"{p}.self_attn.{which}_norm", heads, d) : null;
            h = Linear(Attention(layer, q, k, v, context, headNorm), $"{p}.self_attn.o_proj", Config.NumHeads * d, e, bias);
        }
        x = B.Add(x, RmsNorm($"{p}.post_attention_layernorm", h, e));
        h = RmsNorm($"{p}.pre_feedforward_layernorm", x, e);
        using (B.Scope("mlp"))
        {
            var gate = Linear(h, $"{p}.mlp.gate_proj", e, inner, bias: false);
            var up = Linear(h, $"{p}.mlp.up_proj", e, inner, bias: false);
            h = Linear(B.Mul(GeluTanh(gate), up), $"{p}.mlp.down_proj", inner, e, bias: false);   // gelu(gate) ⊙ up
        }
        return B.Add(x, RmsNorm($"{p}.post_feedforward_layernorm", h, e));
    }

    protected override Value MakeFinalNorm(Value x) => RmsNorm($"{Prefix}.norm", x, Config.HiddenSize);

    protected override Value HeadWeight() => Config.TieWordEmbeddings
        ? B.Graph[$"{Prefix}.embed_tokens.weight"]
        : Param("lm_head.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);

    // Global layers: rope_theta with the config's scaling; Gemma 3's sliding layers: plain RoPE at rope_local_base_freq.
    protected override (Value Cos, Value Sin)? MakeRotary(Value positions) =>
        RotaryTables.Make(B, positions, Config.RopeScaling, Config.RopeTheta, Config.HeadDim, Config.MaxPositions, Precision);

    protected override (Value Cos, Value Sin)? MakeLocalRotary(Value positions) => Config.LocalRopeTheta is { } theta
        ? RotaryTables.Make(B, positions, null, theta, Config.HeadDim, Config.MaxPositions, Precision)
        : null;

    // y = x / √(mean(x²) + ε) ⊙ (1 + w), w initialised to zero (transformers computes it in float32, as the graph does).
    private Value RmsNorm(string name, Value x, long width)
    {
        var weight = Param($"{name}.weight", [width], ParameterInit.Zeros, decay: false);
        using var _ = ModuleScope(name);
        var meanSquare = B.ReduceMean(B.Mul(x, x), [-1], keepDims: true);
        var inverse = B.Op("Reciprocal", [B.Sqrt(B.Add(meanSquare, Const(Config.NormEpsilon)))]);
        return B.Mul(B.Mul(x, inverse), B.Add(weight, Const(1)));
    }
}
