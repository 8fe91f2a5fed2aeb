using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Llama family (Llama, Mistral, Qwen2, SmolLM): RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention,
/// Linear weights stored [out, in], optional q/k/v biases (Qwen2), tied or separate head.
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

    // input_layernorm → attn → +res → post_attention_layernorm → SwiGLU mlp → +res
    protected override Value MakeLayer(int layer, Value x, ForwardContext context)
    {
        string p = $"{Prefix}.layers.{layer}";
        long e = Config.HiddenSize, d = Config.HeadDim, inner = Config.IntermediateSize;
        var h = RmsNorm($"{p}.input_layernorm", x);
        using (B.Scope("attn"))
        {
            var (q, k, v) = QkvProjections($"{p}.self_attn", h);
            h = Linear(Attention(layer, q, k, v, context), $"{p}.self_attn.o_proj", Config.NumHeads * d, e, bias: false);
        }
        x = B.Add(x, h);
        h = RmsNorm($"{p}.post_attention_layernorm", x);
        using (B.Scope("mlp"))
        {
            var (gate, up) = GateUpProjections($"{p}.mlp", h);
            var swiglu = B.Mul(B.Mul(gate, B.Sigmoid(gate)), up);  // silu(gate) ⊙ up
            h = Linear(swiglu, $"{p}.mlp.down_proj", inner, e, bias: false);
        }
        return B.Add(x, h);
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

    protected override Value MakeFinalNorm(Value x) => RmsNorm($"{Prefix}.norm", x);

    protected override Value HeadWeight() => Config.TieWordEmbeddings
        ? B.Graph[$"{Prefix}.embed_tokens.weight"]
        : Param("lm_head.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);

    /// <summary>cos/sin of position·θ^(−2i/D), duplicated over both halves: (B, 1, T, D).</summary>
    protected override (Value Cos, Value Sin)? MakeRotary(Value positions) =>
        RotaryTables(positions, B.Const(TensorData.FromFloats([Config.RotaryDim / 2], InverseFrequencies(Config.RopeTheta, Config.RotaryDim))));

    // y = x / √(mean(x²) + ε) ⊙ w
    protected Value RmsNorm(string name, Value x)
    {
        var weight = Param($"{name}.weight", [Config.HiddenSize], ParameterInit.Ones, decay: false);
        using var _ = ModuleScope(name);
        var meanSquare = B.ReduceMean(B.Mul(x, x), [-1], keepDims: true);
        var inverse = B.Op("Reciprocal", [B.Sqrt(B.Add(meanSquare, Const(Config.NormEpsilon)))]);
        return B.Mul(B.Mul(x, inverse), weight);
    }
}
