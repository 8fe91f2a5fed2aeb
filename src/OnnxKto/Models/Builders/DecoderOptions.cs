using OnnxKto.Graphs;
using OnnxKto.Models.Lora;

namespace OnnxKto.Models.Builders;

/// <summary>What the forward graph exposes besides input_ids, attention_mask → logits.</summary>
public sealed record DecoderOptions
{
    /// <summary>
    /// Inference layout with a KV cache (ONNX Runtime GenAI's names): adds inputs <c>position_ids</c> and
    /// <c>past_key_values.&lt;i&gt;.key/value</c> [batch, kv_heads, past_seq, head_dim], and outputs
    /// <c>present.&lt;i&gt;.key/value</c>. Without it, positions come from the attention mask.
    /// </summary>
    public bool KvCache { get; init; }

    /// <summary>
    /// Element type of parameters and activations: float32 for training and serving; float64 lets tests check
    /// gradients of whole models against finite differences (Llama family only: ORT's CPU LayerNormalization is float32).
    /// </summary>
    public DataType Precision { get; init; } = DataType.Float;

    /// <summary>
    /// Output the final hidden rows <c>hidden_states</c> [batch·seq, E] instead of logits, so the caller can apply
    /// the head (<see cref="ModelGraph.HeadWeight"/>) to only the rows it scores.
    /// </summary>
    public bool HiddenStates { get; init; }

    /// <summary>
    /// LoRA adapters on the linear modules the settings target (when <see cref="LoraSettings.UsePeft"/>): extra
    /// parameters <c>module.lora_A.weight</c> and <c>module.lora_B.weight</c>, listed in <see cref="ModelGraph.LoraLayers"/>.
    /// Null (or use_peft false): the base model.
    /// </summary>
    public LoraSettings? Lora { get; init; }
}
