using OnnxKto.Graphs;

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
    /// <summary>The logits output (when the graph was built without <see cref="DecoderOptions.HiddenStates"/>).</summary>
    /// <summary>
    /// Each decoder layer as a <see cref="CheckpointSegment"/>, first to last: its input rows (N, E) and output rows (N, E),
    /// so gradient checkpointing can recompute the layer in the backward pass. Map them with
    /// <see cref="CheckpointSegment.Map"/> after inlining the graph.
    /// </summary>
    public IReadOnlyList<CheckpointSegment> Layers { get; init; } = [];

    public Value Logits => Output.Name == LogitsName ? Output : throw new InvalidOperationException("This graph outputs hidden states, not logits.");

    public const string HiddenStatesName = "hidden_states";

    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string LogitsName = "logits";

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";
}
