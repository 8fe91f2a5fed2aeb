using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models;

/// <summary>
/// Built-in model shapes for training from scratch (<c>preset:NAME</c>): the demo, tests and benchmarks.
/// All use the GPT-2 tokenizer (vocabulary 50257, EOS 50256); the shapes of published models (llama3-8b, llama3.2-1b,
/// qwen3-0.6b, smollm3-3b, olmo2-1b, gemma3-1b, gemma2-2b, phi4-mini) keep their own vocabulary sizes, whose rows past 50257 are never looked up.
/// </summary>
public static class Presets
{
    /// <summary>What marks a model argument as a preset rather than a checkpoint folder.</summary>
    public const string Prefix = "preset:";

    private const int Gpt2Vocab = 50257, Gpt2Eos = 50256;

    private static readonly Dictionary<string, ModelConfig> ByName = new(StringComparer.Ordinal)
    {
        ["gpt2-tiny"] = Gpt2(hidden: 64, layers: 2, heads: 4, positions: 256),
        ["gpt2-mini"] = Gpt2(hidden: 256, layers: 4, heads: 4, positions: 512),
        ["gpt2-small"] = Gpt2(hidden: 768, layers: 12, heads: 12, positions: 1024),
        ["llama-tiny"] = Llama(hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 176),
        ["llama-mini"] = Llama(hidden: 256, layers: 4, heads: 8, kvHeads: 4, intermediate: 704),
        // Llama-3-8B's shape (8,030,261,248 parameters, untied head, rotary base 5e5), for the GPU's 7B-class LoRA row;
        // GPT-2 token ids.
        ["llama3-8b"] = Llama(hidden: 4096, layers: 32, heads: 32, kvHeads: 8, intermediate: 14336) with
        {
            VocabSize = 128256, MaxPositions = 8192, RopeTheta = 500000, NormEpsilon = 1e-5,
        },
        // The shapes of the small models people align in 2026 (config.json of each, random weights), for benchmarks.
        ["llama3.2-1b"] = Llama(hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192) with
        {
            VocabSize = 128256, MaxPositions = 131072, RopeTheta = 500000, NormEpsilon = 1e-5, TieWordEmbeddings = true,
            RopeScaling = new Llama3RopeScaling(32, 1, 4, 8192),
        },
        ["qwen3-0.6b"] = Llama(hidden: 1024, layers: 28, heads: 16, kvHeads: 8, intermediate: 3072) with
        {
            ModelType = "qwen3", VocabSize = 151936, HeadDim = 128, MaxPositions = 40960, RopeTheta = 1e6,
            TieWordEmbeddings = true, QkNorm = QkNorm.PerHead,
        },
        ["smollm3-3b"] = Llama(hidden: 2048, layers: 36, heads: 16, kvHeads: 4, intermediate: 11008) with
        {
            ModelType = "smollm3", VocabSize = 128256, MaxPositions = 65536, RopeTheta = 5e6, TieWordEmbeddings = true,
            NoRopeLayers = LayerSet.Where(36, i => (i + 1) % 4 == 0),
        },
        ["olmo2-1b"] = Llama(hidden: 2048, layers: 16, heads: 16, kvHeads: 16, intermediate: 8192) with
        {
            ModelType = "olmo2", VocabSize = 100352, MaxPositions = 4096, RopeTheta = 500000,
            QkNorm = QkNorm.Projection, NormPlacement = NormPlacement.Post,
        },
        // Gemma 3 1B's shape: 5 sliding (512-token window, rotary base 1e4) : 1 global (1e6) layers, q/k norms, head_dim 256.
        ["gemma3-1b"] = Gemma("gemma3_text", hidden: 1152, layers: 26, heads: 4, kvHeads: 1, intermediate: 6912, slidingPeriod: 6) with
        {
            VocabSize = 262144, MaxPositions = 32768, RopeTheta = 1e6, LocalRopeTheta = 1e4, SlidingWindow = 512,
        },
        // Gemma 2 2B's shape: alternating 4096-token sliding and global layers, attention and final soft-capping (50, 30).
        ["gemma2-2b"] = Gemma("gemma2", hidden: 2304, layers: 26, heads: 8, kvHeads: 4, intermediate: 9216, slidingPeriod: 2) with
        {
            VocabSize = 256000, MaxPositions = 8192, RopeTheta = 1e4, SlidingWindow = 4096, AttentionSoftcap = 50, FinalLogitSoftcap = 30,
        },
        // Phi-4-mini's shape (fused projections, 3/4 of each head rotated, tied head) within its original 4096-token context,
        // where LongRoPE's short factors apply; the preset has plain rotary positions rather than Microsoft's factor lists.
        ["phi4-mini"] = new ModelConfig
        {
            ModelType = "phi3", Family = ModelFamily.Phi3, VocabSize = 200064, HiddenSize = 3072, NumLayers = 32, NumHeads = 24,
            NumKvHeads = 8, HeadDim = 128, IntermediateSize = 8192, MaxPositions = 4096, NormEpsilon = 1e-5, RopeTheta = 10000,
            PartialRotaryFactor = 0.75, TieWordEmbeddings = true, BosTokenId = Gpt2Eos, EosTokenId = Gpt2Eos,
        },
    };

    /// <summary>The preset names, without <see cref="Prefix"/>.</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    /// <summary>True when <paramref name="model"/> names a preset (<c>preset:NAME</c>), known or not.</summary>
    public static bool IsPreset(string model) => model.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The configuration of <c>preset:NAME</c> (or NAME).</summary>
    /// <exception cref="UserError">Listing the presets, for an unknown name.</exception>
    public static ModelConfig Get(string name)
    {
        var key = IsPreset(name) ? name[Prefix.Length..] : name;
        return ByName.TryGetValue(key, out var config)
            ? config
            : throw new UserError($"Unknown preset '{key}'. Presets: {string.Join(", ", ByName.Keys.Select(k => Prefix + k))}.");
    }

    private static ModelConfig Gpt2(int hidden, int layers, int heads, int positions) => new()
    {
        ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = Gpt2Vocab, HiddenSize = hidden, NumLayers = layers,
        NumHeads = heads, NumKvHeads = heads, HeadDim = hidden / heads, IntermediateSize = 4 * hidden,
        MaxPositions = positions, NormEpsilon = 1e-5, TieWordEmbeddings = true, AttentionBias = true,
        BosTokenId = Gpt2Eos, EosTokenId = Gpt2Eos,
    };

    // Layer i slides unless (i + 1) is a multiple of the period (transformers' layer_types for Gemma 2 and 3).
    private static ModelConfig Gemma(string modelType, int hidden, int layers, int heads, int kvHeads, int intermediate, int slidingPeriod) => new()
    {
        ModelType = modelType, Family = ModelFamily.Gemma, VocabSize = Gpt2Vocab, HiddenSize = hidden, NumLayers = layers,
        NumHeads = heads, NumKvHeads = kvHeads, HeadDim = 256, IntermediateSize = intermediate, MaxPositions = 8192,
        NormEpsilon = 1e-6, QueryPreAttnScalar = 256, TieWordEmbeddings = true, BosTokenId = Gpt2Eos, EosTokenId = Gpt2Eos,
        SlidingLayers = LayerSet.Where(layers, i => (i + 1) % slidingPeriod != 0),
    };

    private static ModelConfig Llama(int hidden, int layers, int heads, int kvHeads, int intermediate) => new()
    {
        ModelType = "llama", Family = ModelFamily.Llama, VocabSize = Gpt2Vocab, HiddenSize = hidden, NumLayers = layers,
        NumHeads = heads, NumKvHeads = kvHeads, HeadDim = hidden / heads, IntermediateSize = intermediate,
        MaxPositions = 2048, NormEpsilon = 1e-6, RopeTheta = 10000, TieWordEmbeddings = false,
        BosTokenId = Gpt2Eos, EosTokenId = Gpt2Eos,
    };
}
