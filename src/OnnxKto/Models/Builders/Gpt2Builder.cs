using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// GPT-2: learned positions, pre-LayerNorm blocks, tanh-approximate GELU, Conv1D weights stored [in, out],
/// output head tied to the token embedding. Names follow Hugging Face's GPT2LMHeadModel.
/// </summary>
public sealed class Gpt2Builder(ModelConfig config) : DecoderBuilder(config)
{
    private const string Prefix = "transformer";

    protected override Value MakeEmbedding(Value ids, ForwardContext context)
    {
        var wte = Param($"{Prefix}.wte.weight", [Config.VocabSize, Config.HiddenSize], ParameterInit.Normal);
        var wpe = Param($"{Prefix}.wpe.weight", [Config.MaxPositions, Config.HiddenSize], ParameterInit.Normal, std: 0.01);
        var x = B.Add(B.Gather(wte, ids), B.Gather(wpe, context.Positions));   // (B, T, E)
        return B.Reshape(x, -1, Config.HiddenSize);                            // (N, E)
    }

    // ln_1 → attn → +res → ln_2 → mlp → +res
    protected override Value MakeLayer(int layer, Value x, ForwardContext context)
    {
        string p = $"{Prefix}.h.{layer}";
        long e = Config.HiddenSize;
        // GPT-2 scales the residual projections' init by 1/√(2·layers).
        double projStd = 0.02 / Math.Sqrt(2 * Config.NumLayers);
        Value attnOut;
        using (B.Scope("attn"))
        {
            var h = LayerNorm($"{p}.ln_1", x);
            var qkv = Linear(h, Param($"{p}.attn.c_attn.weight", [e, 3 * e], ParameterInit.Normal),
                Param($"{p}.attn.c_attn.bias", [3 * e], ParameterInit.Zeros, decay: false), weightIsOutIn: false);
            var parts = B.Ops("Split", 3, [qkv], ("axis", 1L), ("num_outputs", 3L));   // q, k, v: (N, E)
            var mixed = Attention(layer, parts[0], parts[1], parts[2], context);
            attnOut = Linear(mixed, Param($"{p}.attn.c_proj.weight", [e, e], ParameterInit.Normal, projStd),
                Param($"{p}.attn.c_proj.bias", [e], ParameterInit.Zeros, decay: false), weightIsOutIn: false);
        }
        x = B.Add(x, attnOut);
        using (B.Scope("mlp"))
        {
            long inner = Config.IntermediateSize;
            var h = LayerNorm($"{p}.ln_2", x);
            h = Linear(h, Param($"{p}.mlp.c_fc.weight", [e, inner], ParameterInit.Normal),
                Param($"{p}.mlp.c_fc.bias", [inner], ParameterInit.Zeros, decay: false), weightIsOutIn: false);
            h = GeluTanh(h);
            h = Linear(h, Param($"{p}.mlp.c_proj.weight", [inner, e], ParameterInit.Normal, projStd),
                Param($"{p}.mlp.c_proj.bias", [e], ParameterInit.Zeros, decay: false), weightIsOutIn: false);
            return B.Add(x, h);
        }
    }

    protected override Value MakeFinalNorm(Value x) => LayerNorm($"{Prefix}.ln_f", x);

    // Tied head: logits = x · wteᵀ.
    protected override Value HeadWeight() => B.Graph[$"{Prefix}.wte.weight"];

    private Value LayerNorm(string name, Value x) =>
        B.Op("LayerNormalization", [x,
                Param($"{name}.weight", [Config.HiddenSize], ParameterInit.Ones, decay: false),
                Param($"{name}.bias", [Config.HiddenSize], ParameterInit.Zeros, decay: false)],
            ("axis", -1L), ("epsilon", (float)Config.NormEpsilon));

    // gelu_new(h) = ½h(1 + tanh(√(2/π)(h + 0.044715h³)))
    private Value GeluTanh(Value h)
    {
        var cube = B.Mul(h, B.Mul(h, h));
        var inner = B.Mul(B.Add(h, B.Mul(cube, Const(0.044715))), Const(Math.Sqrt(2 / Math.PI)));
        var gate = B.Add(Const(1), B.Op("Tanh", [inner]));
        return B.Mul(B.Mul(h, Const(0.5)), gate);
    }
}
