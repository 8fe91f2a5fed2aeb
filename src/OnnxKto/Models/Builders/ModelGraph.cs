using OnnxKto.Graphs;
using OnnxKto.Models.Lora;

namespace OnnxKto.Models.Builders;

/// <summary>
/// A causal language model's forward graph: inputs <c>input_ids</c> and <c>attention_mask</c> (int64, [batch, seq]),
/// every parameter as a graph input named as in Hugging Face, and the <c>logits</c> output [batch, seq, vocab]
/// (or, with <see cref="DecoderOptions.HiddenStates"/>, the final hidden rows [batch·seq, E] in <see cref="Output"/>).
/// </summary>
/// <param name="Graph">The forward graph.</param>
/// <param name="Config">The architecture it was built from.</param>
/// <param name="Parameters">Every parameter, in declaration order.</param>
/// <param name="Output">The main output: logits, or hidden states.</param>
/// <param name="HeadWeight">Name of the parameter the output head multiplies by (V, E): logits = hidden·Wᵀ.</param>
public sealed record ModelGraph(Graph Graph, ModelConfig Config, IReadOnlyList<ParameterSpec> Parameters, Value Output, string HeadWeight)
{
    /// <summary>
    /// Each decoder layer as a <see cref="CheckpointSegment"/>, first to last: its input rows (N, E) and output rows (N, E),
    /// so gradient checkpointing can recompute the layer in the backward pass. Map them with
    /// <see cref="CheckpointSegment.Map"/> after inlining the graph.
    /// </summary>
    public IReadOnlyList<CheckpointSegment> Layers { get; init; } = [];

    /// <summary>The linear modules with LoRA adapters (built with <see cref="DecoderOptions.Lora"/>), in declaration order; empty for the base model.</summary>
    public IReadOnlyList<LoraLayer> LoraLayers { get; init; } = [];

    /// <summary>The logits output (batch, seq, vocab); graphs built for training output hidden states instead.</summary>
    public Value Logits => Output.Name == LogitsName ? Output : throw new InvalidOperationException("This graph outputs hidden states, not logits.");

    /// <summary>The output's name when built with <see cref="DecoderOptions.HiddenStates"/>.</summary>
    public const string HiddenStatesName = "hidden_states";

    /// <summary>The token ids input (int64, [batch, seq]).</summary>
    public const string InputIds = "input_ids";
    /// <summary>The mask input (int64, 1 for real tokens): [batch, seq], or [batch, total_seq] with a KV cache.</summary>
    public const string AttentionMask = "attention_mask";
    /// <summary>The positions input (int64, [batch, seq]) of KV-cache graphs; without a cache positions come from the mask.</summary>
    public const string PositionIds = "position_ids";
    /// <summary>The logits output ([batch, seq, vocab]).</summary>
    public const string LogitsName = "logits";

    /// <summary>The KV-cache input holding layer <paramref name="layer"/>'s keys so far ([batch, kv_heads, past_seq, head_dim]).</summary>
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    /// <summary>The KV-cache input holding layer <paramref name="layer"/>'s values so far ([batch, kv_heads, past_seq, head_dim]).</summary>
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    /// <summary>The output holding layer <paramref name="layer"/>'s keys including this step ([batch, kv_heads, total_seq, head_dim]): the next step's <see cref="PastKey"/>.</summary>
    public static string PresentKey(int layer) => $"present.{layer}.key";
    /// <summary>The output holding layer <paramref name="layer"/>'s values including this step ([batch, kv_heads, total_seq, head_dim]): the next step's <see cref="PastValue"/>.</summary>
    public static string PresentValue(int layer) => $"present.{layer}.value";
}
