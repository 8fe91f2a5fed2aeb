using System.Text.Json.Serialization;
using OnnxKto.Data;
using OnnxKto.Models.Lora;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// Training configuration with the keys of TRL's <c>KTOConfig</c> and the Hugging Face <c>TrainingArguments</c> it
/// extends, so TRL users can paste their values. It is made of the settings records its consumers take, each default
/// written once, in its record; <see cref="KtoConfigKeys"/> maps every key of <c>kto.yaml</c> onto them
/// (read by <see cref="KtoConfigReader"/>, written by <see cref="KtoConfigWriter"/>). Defaults follow TRL unless noted.
/// </summary>
[JsonConverter(typeof(KtoConfigJsonConverter))]
public sealed record KtoConfig
{
    /// <summary>The loss (<c>loss_type</c>, <c>beta</c>, the label weights); baked into the artifacts.</summary>
    public LossSettings Loss { get; init; } = new();

    /// <summary>The optimizer (<c>optim</c>, <c>adam_*</c>, <c>weight_decay</c>, <c>max_grad_norm</c>); baked into the artifacts.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>Which parameters train (<c>trainable</c>, <c>frozen</c>); baked into the artifacts.</summary>
    public ParameterSelection Parameters { get; init; } = new();

    /// <summary>Run length, batches and learning-rate schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();

    /// <summary>Reading and shaping the data (<c>max_length</c>, <c>chat_template</c>, <c>seed</c>, ...).</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>Logging, evaluation, checkpoints and reference log-probs.</summary>
    public LoopSettings Loop { get; init; } = new();

    /// <summary>Compute traded for memory (<c>gradient_checkpointing</c>, <c>head_chunk_rows</c>); baked into the artifacts.</summary>
    public MemorySettings Memory { get; init; } = new();

    /// <summary>LoRA adapters (<c>use_peft</c>, <c>lora_r</c>, <c>lora_alpha</c>, <c>lora_target_modules</c>, ...); baked into the artifacts.</summary>
    public LoraSettings Lora { get; init; } = new();
}
