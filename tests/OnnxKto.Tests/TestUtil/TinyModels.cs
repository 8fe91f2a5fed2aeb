using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Tests.TestUtil;

/// <summary>Tiny configurations of each architecture and random weights large enough to make every term matter.</summary>
public static class TinyModels
{
    public static ModelConfig Gpt2 { get; } = new()
    {
        ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = 11, HiddenSize = 8, NumLayers = 2, NumHeads = 2,
        NumKvHeads = 2, HeadDim = 4, IntermediateSize = 12, MaxPositions = 16, TieWordEmbeddings = true, AttentionBias = true,
        EosTokenId = 10,
    };

    /// <summary>Grouped-query attention (4 query heads over 2 kv heads), separate head.</summary>
    public static ModelConfig Llama { get; } = new()
    {
        ModelType = "llama", Family = ModelFamily.Llama, VocabSize = 11, HiddenSize = 8, NumLayers = 2, NumHeads = 4,
        NumKvHeads = 2, HeadDim = 2, IntermediateSize = 10, MaxPositions = 64, NormEpsilon = 1e-6, RopeTheta = 10000,
        TieWordEmbeddings = false, EosTokenId = 10,
    };

    /// <summary>q/k/v biases and a tied head.</summary>
    public static ModelConfig Qwen2 { get; } = Llama with
    {
        ModelType = "qwen2", NumHeads = 2, NumKvHeads = 1, HeadDim = 4, AttentionBias = true, TieWordEmbeddings = true, RopeTheta = 1e6,
    };

    // Head width 8 (not hidden/heads) gives four rotary frequencies (1, 0.1, 0.01, 0.001 at θ 10000), so each
    // scaling's cases all occur.
    private static ModelConfig WideHeads { get; } = Llama with { NumHeads = 2, NumKvHeads = 1, HeadDim = 8 };

    /// <summary>
    /// Llama 3.1's scaling with original context 64: wavelengths 6.3 (kept), 63 (smoothed), 628 and 6283 (÷ 8).
    /// </summary>
    public static ModelConfig Llama3Rope { get; } = WideHeads with { RopeScaling = new Llama3RopeScaling(8, 1, 4, 64) };

    /// <summary>YaRN, factor 4, original 4096: the ramp runs over dimensions 1..3, so frequency 2 is blended; attention factor 1.139.</summary>
    public static ModelConfig YarnRope { get; } = WideHeads with { RopeScaling = new YarnRopeScaling { Factor = 4, OriginalMaxPositions = 4096 } };

    /// <summary>Linear scaling by 2.</summary>
    public static ModelConfig LinearRope { get; } = WideHeads with { RopeScaling = new LinearRopeScaling(2) };

    /// <summary>Qwen3: per-head q/k RMSNorm, head_dim 6 (hidden 8 / 2 heads would be 4), tied head, no biases.</summary>
    public static ModelConfig Qwen3 { get; } = Qwen2 with { ModelType = "qwen3", AttentionBias = false, HeadDim = 6, QkNorm = QkNorm.PerHead };

    /// <summary>OLMo 2: q/k RMSNorm over the whole projection, norms after attention and MLP.</summary>
    public static ModelConfig Olmo2 { get; } = Llama with { ModelType = "olmo2", QkNorm = QkNorm.Projection, NormPlacement = NormPlacement.Post };

    /// <summary>SmolLM3: layer 1 applies no rotary embedding; tied head.</summary>
    public static ModelConfig SmolLm3 { get; } = WideHeads with { ModelType = "smollm3", NoRopeLayers = LayerSet.Of([1]), TieWordEmbeddings = true, RopeTheta = 2e6 };

    /// <summary>Mistral with a window of 2 on every layer: shorter than the 5-token test sequences.</summary>
    public static ModelConfig MistralSliding { get; } = Llama with { ModelType = "mistral", SlidingWindow = 2, SlidingLayers = LayerSet.Of([0, 1]) };

    /// <summary>Qwen2 sliding from layer 1 on (max_window_layers 1), window 3.</summary>
    public static ModelConfig Qwen2Sliding { get; } = Qwen2 with { SlidingWindow = 3, SlidingLayers = LayerSet.Of([1]) };

    /// <summary>
    /// Gemma 2: three layers (sliding, global, sliding) with a 3-token window, head_dim 6 ≠ hidden/heads, scores scaled by
    /// 5^−½ rather than 6^−½, attention and final soft-caps small enough to bite, q/k/v/o biases.
    /// </summary>
    public static ModelConfig Gemma2 { get; } = new()
    {
        ModelType = "gemma2", Family = ModelFamily.Gemma, VocabSize = 11, HiddenSize = 8, NumLayers = 3, NumHeads = 2,
        NumKvHeads = 1, HeadDim = 6, IntermediateSize = 10, MaxPositions = 64, NormEpsilon = 1e-6, RopeTheta = 10000,
        QueryPreAttnScalar = 5, SlidingWindow = 3, SlidingLayers = LayerSet.Of([0, 2]), AttentionSoftcap = 0.5, FinalLogitSoftcap = 1.5,
        TieWordEmbeddings = true, AttentionBias = true, EosTokenId = 10,
    };

    /// <summary>
    /// Gemma 3 text: sliding, sliding, global layers with a 3-token window, a local rotary base (10) far from the global
    /// one (10000, linear scaling by 4 on the global layer only), per-head q/k norms, no soft-capping, a separate head.
    /// </summary>
    public static ModelConfig Gemma3 { get; } = Gemma2 with
    {
        ModelType = "gemma3_text", SlidingLayers = LayerSet.Of([0, 1]), LocalRopeTheta = 10, RopeScaling = new LinearRopeScaling(4),
        AttentionSoftcap = null, FinalLogitSoftcap = null, AttentionBias = false, TieWordEmbeddings = false,
    };

    /// <summary>
    /// Phi-3: fused projections, half of each 8-wide head rotated, LongRoPE switching above 4 positions (short and long
    /// factors far apart, attention factor √(1 + ln 16 / ln 4) from 64 / 4), a 3-token window on every layer.
    /// </summary>
    public static ModelConfig Phi3 { get; } = new()
    {
        ModelType = "phi3", Family = ModelFamily.Phi3, VocabSize = 11, HiddenSize = 16, NumLayers = 2, NumHeads = 2,
        NumKvHeads = 1, HeadDim = 8, IntermediateSize = 10, MaxPositions = 64, NormEpsilon = 1e-5, RopeTheta = 10000,
        PartialRotaryFactor = 0.5, SlidingWindow = 3, SlidingLayers = LayerSet.Of([0, 1]), TieWordEmbeddings = true, EosTokenId = 10,
        RopeScaling = new LongRopeScaling([1.0, 1.5], [3.0, 40.0], OriginalMaxPositions: 4, AttentionScale: Math.Sqrt(1 + Math.Log(16) / Math.Log(4))),
    };

    /// <summary>
    /// One tiny model per family and feature (<see cref="ByName"/>'s names but linear-rope, which yarn-rope's path covers),
    /// as rows for the tests that export or decode every one of them.
    /// </summary>
    public static IEnumerable<object[]> Architectures =>
        new[]
        {
            "gpt2", "llama", "qwen2", "gemma2", "gemma3", "phi3", "llama3-rope", "yarn-rope", "qwen3", "olmo2", "smollm3",
            "mistral-sliding", "qwen2-sliding",
        }.Select(name => new object[] { name });

    public static ModelConfig ByName(string name) => name switch
    {
        "gemma2" => Gemma2,
        "gemma3" => Gemma3,
        "phi3" => Phi3,
        "gpt2" => Gpt2,
        "llama" => Llama,
        "qwen2" => Qwen2,
        "llama3-rope" => Llama3Rope,
        "yarn-rope" => YarnRope,
        "linear-rope" => LinearRope,
        "qwen3" => Qwen3,
        "olmo2" => Olmo2,
        "smollm3" => SmolLm3,
        "mistral-sliding" => MistralSliding,
        "qwen2-sliding" => Qwen2Sliding,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Float32 weights (as fed to ORT) for every parameter: N(0, 0.3), norm weights near 1.</summary>
    public static Dictionary<string, TensorData> RandomWeights(IEnumerable<ParameterSpec> parameters, int seed)
    {
        var rng = new Random(seed);
        return parameters.ToDictionary(p => p.Name, p => TensorData.FromFloats(p.Shape,
            Enumerable.Range(0, (int)p.ElementCount).Select(_ =>
                (float)((p.Init == ParameterInit.Ones ? 1 : 0) + (p.Init == ParameterInit.Normal ? 0.3 : 0.1) * (2 * rng.NextDouble() - 1) * 1.7)).ToArray()));
    }
}
