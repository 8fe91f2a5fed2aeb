using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// GPT-2: learned positions, pre-LayerNorm blocks, tanh-approximate GELU, Conv1D weights stored [in, out],
/// output head tied to the token embedding. Names follow Hugging Face's GPT2LMHeadModel.
/// </summary>
internal sealed class Gpt2Builder(ModelConfig config) : DecoderBuilder(config)
{
    private const string Prefix = "transformer";

    // Conv1D: y = x·W + b with W stored [in, out].
    protected override bool LinearWeightIsOutIn => false;

    protected override Value MakeEmbedding(Value ids, ForwardContext context)
    {
        var tokens = Embedding($"{Prefix}.wte", Config.VocabSize, 0.02, ids);
        var positions = Embedding($"{Prefix}.wpe", Config.MaxPositions, 0.01, context.Positions);
        return B.Reshape(B.Add(tokens, positions), -1, Config.HiddenSize);    // (B, T, E) → (N, E)
    }

    private Value Embedding(string module, long rows, double std, Value indices)
    {
        var table = Param($"{module}.weight", [rows, Config.HiddenSize], ParameterInit.Normal, std);
        using (ModuleScope(module)) return B.Gather(table, indices);
    }

    // ln_1 → attn → +res → ln_2 → mlp → +res
    protected override Value MakeLayer(int layer, Value x, ForwardContext context)
    {
        string p = $"{Prefix}.h.{layer}";
        long e = Config.HiddenSize, inner = Config.IntermediateSize;
        // GPT-2 scales the residual projections' init by 1/√(2·layers).
        double projStd = 0.02 / Math.Sqrt(2 * Config.NumLayers);
        var h = LayerNorm($"{p}.ln_1", x);
        using (B.Scope("attn"))
        {
            var qkv = Linear(h, $"{p}.attn.c_attn", e, 3 * e, bias: true);
            var parts = B.Ops("Split", 3, [qkv], ("axis", 1L), ("num_outputs", 3L));   // q, k, v: (N, E)
            var mixed = Attention(layer, parts[0], parts[1], parts[2], context);
            h = Linear(mixed, $"{p}.attn.c_proj", e, e, bias: true, projStd);
        }
        x = B.Add(x, h);
        h = LayerNorm($"{p}.ln_2", x);
        using (B.Scope("mlp"))
        {
            h = GeluTanh(Linear(h, $"{p}.mlp.c_fc", e, inner, bias: true));
            h = Linear(h, $"{p}.mlp.c_proj", inner, e, bias: true, projStd);
        }
        return B.Add(x, h);
    }

    protected override Value MakeFinalNorm(Value x) => LayerNorm($"{Prefix}.ln_f", x);

    // Tied head: logits = x · wteᵀ.
    protected override Value HeadWeight() => B.Graph[$"{Prefix}.wte.weight"];

    private Value LayerNorm(string name, Value x)
    {
        var weight = Param($"{name}.weight", [Config.HiddenSize], ParameterInit.Ones, decay: false);
        var bias = Param($"{name}.bias", [Config.HiddenSize], ParameterInit.Zeros, decay: false);
        using (ModuleScope(name))
            return B.Op("LayerNormalization", [x, weight, bias], ("axis", -1L), ("epsilon", (float)Config.NormEpsilon));
    }
}
