using System.Text.Json.Serialization;

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

    /// <summary>The output head reuses the token embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>q/k/v projections carry biases (Qwen2; GPT-2 always does).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>
    /// Sliding-window attention: a query at sequence index i attends only keys j with i − W &lt; j ≤ i (transformers'
    /// <c>sliding_window_overlay</c>), on the layers <see cref="GlobalLayerPeriod"/> leaves sliding; null for none. E.g. 512.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>
    /// With a <see cref="SlidingWindow"/>: layer i attends globally when (i + 1) is a multiple of this period and through the
    /// window otherwise (Gemma 2: 2, Gemma 3: 6, transformers' <c>layer_types</c>); 0 when every layer slides (Mistral, Phi-3).
    /// </summary>
    public int GlobalLayerPeriod { get; init; }

    /// <summary>Whether layer <paramref name="layer"/> attends through the sliding window.</summary>
    /// <param name="layer">Zero-based layer index.</param>
    public bool IsSlidingLayer(int layer) =>
        SlidingWindow is not null && (GlobalLayerPeriod == 0 || (layer + 1) % GlobalLayerPeriod != 0);

    /// <summary>Rotary base of the sliding-window layers when it differs from <see cref="RopeTheta"/> (Gemma 3's <c>rope_local_base_freq</c>, 10000).</summary>
    public double? LocalRopeTheta { get; init; }

    /// <summary>Fraction of each head's width that is rotated (Phi-4-mini: 0.75); the rest passes through unrotated.</summary>
    public double PartialRotaryFactor { get; init; } = 1;

    /// <summary>Phi-3's LongRoPE frequency scaling (<c>rope_scaling.type: longrope</c>); null for plain rotary positions.</summary>
    public LongRopeScaling? LongRope { get; init; }

    /// <summary>Attention scores are scaled by this to the power −½ instead of head_dim (Gemma's <c>query_pre_attn_scalar</c>, e.g. 256).</summary>
    public double? QueryPreAttnScalar { get; init; }

    /// <summary>Attention scores become c·tanh(s / c) before the mask (Gemma 2's <c>attn_logit_softcapping</c>, 50); null for none.</summary>
    public double? AttentionSoftcap { get; init; }

    /// <summary>Logits become c·tanh(logit / c) (Gemma 2's <c>final_logit_softcapping</c>, 30); null for none.</summary>
    public double? FinalLogitSoftcap { get; init; }

    /// <summary>Width of the rotated part of each head: head_dim · <see cref="PartialRotaryFactor"/>, as transformers truncates it.</summary>
    [JsonIgnore]
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);

    /// <summary>Beginning-of-sequence id from <c>config.json</c>, e.g. 1 for Llama 2; null when none is given.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence id from <c>config.json</c>, e.g. 50256 for GPT-2 (the first one when it lists several).</summary>
    public int? EosTokenId { get; init; }

    /// <summary>Padding id from <c>config.json</c>; null when the model defines none.</summary>
    public int? PadTokenId { get; init; }
}
