using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Llama family (Llama, Mistral, Qwen2, SmolLM): RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention,
/// Linear weights stored [out, in], optional q/k/v biases (Qwen2), tied or separate head.
/// </summary>
internal sealed class LlamaBuilder(ModelConfig config) : DecoderBuilder(config)
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
            var q = Linear(h, $"{p}.self_attn.q_proj", e, Config.NumHeads * d, Config.AttentionBias);
            var k = Linear(h, $"{p}.self_attn.k_proj", e, Config.NumKvHeads * d, Config.AttentionBias);
            var v = Linear(h, $"{p}.self_attn.v_proj", e, Config.NumKvHeads * d, Config.AttentionBias);
            h = Linear(Attention(layer, q, k, v, context), $"{p}.self_attn.o_proj", Config.NumHeads * d, e, bias: false);
        }
        x = B.Add(x, h);
        h = RmsNorm($"{p}.post_attention_layernorm", x);
        using (B.Scope("mlp"))
        {
            var gate = Linear(h, $"{p}.mlp.gate_proj", e, inner, bias: false);
            var up = Linear(h, $"{p}.mlp.up_proj", e, inner, bias: false);
            var swiglu = B.Mul(B.Mul(gate, B.Sigmoid(gate)), up);  // silu(gate) ⊙ up
            h = Linear(swiglu, $"{p}.mlp.down_proj", inner, e, bias: false);
        }
        return B.Add(x, h);
    }

    protected override Value MakeFinalNorm(Value x) => RmsNorm($"{Prefix}.norm", x);

    protected override Value HeadWeight() => Config.TieWordEmbeddings
        ? B.Graph[$"{Prefix}.embed_tokens.weight"]
        : Param("lm_head.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);

    /// <summary>cos/sin of position·θ^(−2i/D), duplicated over both halves: (B, 1, T, D).</summary>
    protected override (Value Cos, Value Sin)? MakeRotary(Value positions)
    {
        int half = Config.HeadDim / 2;
        // Computed in float32 as Hugging Face does, then widened when the graph runs in float64.
        var inverseFrequencies = Enumerable.Range(0, half)
            .Select(i => (float)(1.0 / Math.Pow(Config.RopeTheta, 2.0 * i / Config.HeadDim))).ToArray();
        var angles = B.Mul(B.Unsqueeze(B.Cast(positions, DataType.Float), -1),
            B.Const(TensorData.FromFloats([half], inverseFrequencies)));           // (B, T, D/2)
        angles = B.Cast(angles, Precision);
        var full = B.Unsqueeze(B.Concat(-1, angles, angles), 1);                    // (B, 1, T, D)
        return (B.Op("Cos", [full]), B.Op("Sin", [full]));
    }

    // y = x / √(mean(x²) + ε) ⊙ w
    private Value RmsNorm(string name, Value x)
    {
        var weight = Param($"{name}.weight", [Config.HiddenSize], ParameterInit.Ones, decay: false);
        using var _ = ModuleScope(name);
        var meanSquare = B.ReduceMean(B.Mul(x, x), [-1], keepDims: true);
        var inverse = B.Op("Reciprocal", [B.Sqrt(B.Add(meanSquare, Const(Config.NormEpsilon)))]);
        return B.Mul(B.Mul(x, inverse), weight);
    }
}
