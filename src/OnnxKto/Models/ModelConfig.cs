using System.Text.Json.Serialization;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models;

/// <summary>The architecture families OnnxKto builds graphs for.</summary>
public enum ModelFamily
{
    /// <summary>GPT-2: LayerNorm, tanh-approximate GELU, learned positions, Conv1D weights stored [in, out].</summary>
    Gpt2,

    /// <summary>Llama, Mistral, Qwen2, SmolLM: RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention.</summary>
    Llama,

    /// <summary>
    /// Gemma 2 and Gemma 3 text: RMSNorm with (1 + w), four norms per layer, embeddings scaled by √E, GeGLU, soft-capping,
    /// q/k norms (Gemma 3), sliding-window layers interleaved with global ones.
    /// </summary>
    Gemma,

    /// <summary>Phi-3, Phi-3.5, Phi-4-mini: the Llama layout with fused <c>qkv_proj</c> and <c>gate_up_proj</c>, partial rotary, LongRoPE.</summary>
    Phi3,
}

/// <summary>
/// Everything a model builder needs to know about a causal language model. Hugging Face <c>config.json</c>
/// maps onto it in one place (<c>HfConfig</c>); presets construct it directly.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Hugging Face <c>model_type</c>, e.g. <c>gpt2</c>, <c>llama</c>, <c>mistral</c>, <c>qwen2</c>.</summary>
    public required string ModelType { get; init; }

    /// <summary>Which builder makes the graph, e.g. <see cref="ModelFamily.Llama"/> for <c>qwen2</c>.</summary>
    public required ModelFamily Family { get; init; }

    /// <summary>Vocabulary size, e.g. 50257.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Model width E, e.g. 768.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of transformer blocks, e.g. 12.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Query heads, e.g. 12.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Key/value heads (grouped-query attention); equals <see cref="NumHeads"/> for plain multi-head attention.</summary>
    public required int NumKvHeads { get; init; }

    /// <summary>Per-head width, usually HiddenSize / NumHeads, e.g. 64.</summary>
    public required int HeadDim { get; init; }

    /// <summary>MLP hidden width, e.g. 3072 for GPT-2 small (4·E).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Longest sequence the position scheme supports, e.g. 1024.</summary>
    public required int MaxPositions { get; init; }

    /// <summary>Epsilon of LayerNorm (GPT-2, 1e-5) or RMSNorm (Llama, 1e-5 or 1e-6).</summary>
    public double NormEpsilon { get; init; } = 1e-5;

    /// <summary>Rotary base θ (Llama family), e.g. 10000 or 1000000.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>
    /// Rotary scaling from config.json's <c>rope_scaling</c> / <c>rope_parameters</c> (<c>linear</c>, <c>llama3</c>,
    /// <c>yarn</c>); null for plain rotary embeddings.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Layers that apply no rotary embedding (SmolLM3's <c>no_rope_layers</c> zeros); none by default.</summary>
    [JsonIgnore]
    public LayerSet NoRopeLayers { get; init; } = LayerSet.None;

    /// <summary>
    /// Keys a sliding-window layer attends to, itself included (a query at position p sees positions p − w + 1 .. p),
    /// e.g. 4096 for Mistral-7B-v0.1; null when no layer slides.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SlidingWindow { get; init; }

    /// <summary>Layers that use <see cref="SlidingWindow"/> (every layer for Mistral, those from <c>max_window_layers</c> on for Qwen2).</summary>
    [JsonIgnore]
    public LayerSet SlidingLayers { get; init; } = LayerSet.None;

    /// <summary>Whether layer <paramref name="layer"/> attends through the sliding window.</summary>
    public bool IsSliding(int layer) => SlidingWindow is not null && SlidingLayers.Contains(layer);

    /// <summary>Rotary base of the sliding-window layers when it differs from <see cref="RopeTheta"/> (Gemma 3's <c>rope_local_base_freq</c>, 10000); they get no <see cref="RopeScaling"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LocalRopeTheta { get; init; }

    /// <summary>Fraction of each head's width that is rotated (Phi-4-mini: 0.75); the rest passes through unrotated.</summary>
    public double PartialRotaryFactor { get; init; } = 1;

    /// <summary>Width of the rotated part of each head: int(head_dim · <see cref="PartialRotaryFactor"/>), as transformers truncates it.</summary>
    [JsonIgnore]
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);

    /// <summary>Attention scores are scaled by this to the power −½ instead of head_dim (Gemma's <c>query_pre_attn_scalar</c>, e.g. 256).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? QueryPreAttnScalar { get; init; }

    /// <summary>Attention scores become c·tanh(s / c) before the mask (Gemma 2's <c>attn_logit_softcapping</c>, 50); null for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? AttentionSoftcap { get; init; }

    /// <summary>Logits become c·tanh(logit / c) (Gemma 2's <c>final_logit_softcapping</c>, 30); null for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? FinalLogitSoftcap { get; init; }

    /// <summary>RMSNorm of queries and keys before RoPE (Qwen3: per head; OLMo 2: over the whole projection).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public QkNorm QkNorm { get; init; }

    /// <summary>Where each layer normalises (Llama: before attention and MLP; OLMo 2: after them).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public NormPlacement NormPlacement { get; init; }

    // The layer sets travel in manifests as index lists, left out when empty so configurations without them keep
    // their JSON (and fingerprints).
    [JsonInclude, JsonPropertyName("no_rope_layers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private int[]? NoRopeLayerList
    {
        get => NoRopeLayers.IsEmpty ? null : NoRopeLayers.Layers.ToArray();
        init => NoRopeLayers = LayerSet.Of(value ?? []);
    }

    [JsonInclude, JsonPropertyName("sliding_layers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private int[]? SlidingLayerList
    {
        get => SlidingLayers.IsEmpty ? null : SlidingLayers.Layers.ToArray();
        init => SlidingLayers = LayerSet.Of(value ?? []);
    }

    /// <summary>The output head reuses the token embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>q/k/v projections carry biases (Qwen2; GPT-2 always does).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Beginning-of-sequence id from <c>config.json</c>, e.g. 1 for Llama 2; null when none is given.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence id from <c>config.json</c>, e.g. 50256 for GPT-2 (the first one when it lists several).</summary>
    public int? EosTokenId { get; init; }

    /// <summary>Padding id from <c>config.json</c>; null when the model defines none.</summary>
    public int? PadTokenId { get; init; }
}
