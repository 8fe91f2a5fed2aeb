using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>
/// A causal language model's forward graph: inputs <c>input_ids</c> and <c>attention_mask</c> (int64, [batch, seq]),
/// every parameter as a graph input named as in Hugging Face, and the <c>logits</c> output [batch, seq, vocab].
/// </summary>
public sealed record ModelGraph(Graph Graph, ModelConfig Config, IReadOnlyList<ParameterSpec> Parameters, Value Logits)
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string LogitsName = "logits";

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";
}
