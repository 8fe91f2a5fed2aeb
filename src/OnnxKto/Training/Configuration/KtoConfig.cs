using System.Text.Json.Serialization;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// Training configuration with the keys of TRL's <c>KTOConfig</c> and the Hugging Face <c>TrainingArguments</c> it
/// extends, so TRL users can paste their values (read from <c>kto.yaml</c> by <see cref="KtoConfigReader"/>).
/// Defaults follow TRL unless noted.
/// </summary>
public sealed record KtoConfig
{
    /// <summary><c>beta</c>: KL penalty strength β. Example: 0.1.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary><c>desirable_weight</c>: λ_D. Example: 1.0.</summary>
    public double DesirableWeight { get; init; } = 1;

    /// <summary><c>undesirable_weight</c>: λ_U. Example: 1.0.</summary>
    public double UndesirableWeight { get; init; } = 1;

    /// <summary><c>loss_type</c>: kto, apo_zero_unpaired or sft.</summary>
    public LossType LossType { get; init; } = LossType.Kto;

    /// <summary><c>learning_rate</c>: peak learning rate. TRL default 1e-6.</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary><c>per_device_train_batch_size</c>: examples per micro-batch (at least 2 for kto). Example: 8.</summary>
    public int PerDeviceTrainBatchSize { get; init; } = 8;

    /// <summary><c>gradient_accumulation_steps</c>: micro-batches per optimizer update. Example: 1.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary><c>num_train_epochs</c>: passes over the data (fractional allowed). HF default 3.</summary>
    public double NumTrainEpochs { get; init; } = 3;

    /// <summary><c>max_steps</c>: optimizer updates; overrides num_train_epochs when positive. Example: -1.</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary><c>max_length</c>: prompt+completion tokens kept (the start). Example: 1024.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary><c>max_prompt_length</c>: optional; long prompts keep their end first (classic TRL). Example: null.</summary>
    public int? MaxPromptLength { get; init; }

    /// <summary><c>warmup_ratio</c>: fraction of updates spent warming up. Example: 0.1.</summary>
    public double WarmupRatio { get; init; }

    /// <summary><c>warmup_steps</c>: warm-up updates; overrides warmup_ratio when positive. Example: 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary><c>lr_scheduler_type</c>: constant, constant_with_warmup, linear (HF default) or cosine.</summary>
    public string LrSchedulerType { get; init; } = "linear";

    /// <summary><c>weight_decay</c>: AdamW decoupled decay (not applied to biases and norms). Example: 0.0.</summary>
    public double WeightDecay { get; init; }

    /// <summary><c>adam_beta1</c>. Example: 0.9.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary><c>adam_beta2</c>. Example: 0.999.</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary><c>adam_epsilon</c>. Example: 1e-8.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary><c>max_grad_norm</c>: global-norm gradient clipping; 0 disables. Example: 1.0.</summary>
    public double MaxGradNorm { get; init; } = 1;

    /// <summary><c>optim</c>: adamw_torch (default; adamw_torch_fused and adamw_hf are accepted as the same) or sgd.</summary>
    public OptimizerKind Optim { get; init; } = OptimizerKind.AdamW;

    /// <summary><c>optim_args</c>: "momentum=0.9" for sgd.</summary>
    public double SgdMomentum { get; init; }

    /// <summary><c>seed</c>: data order, KL pairing and preset initialisation. Example: 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// <c>train_sampling_strategy</c>: random (one seeded shuffle per epoch; our default) or sequential (TRL's order).
    /// </summary>
    public string TrainSamplingStrategy { get; init; } = "random";

    /// <summary><c>precompute_ref_log_probs</c>: one reference pass before training, cached (our default true; TRL's false).</summary>
    public bool PrecomputeRefLogProbs { get; init; } = true;

    /// <summary><c>logging_steps</c>: log every N updates (our default 10; HF's 500).</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary><c>save_steps</c>: checkpoint every N updates (and at the end). Example: 500.</summary>
    public int SaveSteps { get; init; } = 500;

    /// <summary><c>save_total_limit</c>: keep at most N checkpoints (oldest deleted). Example: null (keep all).</summary>
    public int? SaveTotalLimit { get; init; }

    /// <summary><c>eval_steps</c>: evaluate every N updates when --eval-data is given. Example: null.</summary>
    public int? EvalSteps { get; init; }

    /// <summary><c>chat_template</c> (ours): chatml, llama3, zephyr or mistral for conversational data; null detects it.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary><c>trainable</c> (ours): regular expressions over parameter names; empty trains all.</summary>
    public IReadOnlyList<string> Trainable { get; init; } = [];

    /// <summary><c>frozen</c> (ours): regular expressions over parameter names kept fixed, e.g. <c>wte|wpe</c>.</summary>
    public IReadOnlyList<string> Frozen { get; init; } = [];

    [JsonIgnore]
    public LossSettings LossSettings => new(LossType, Beta, DesirableWeight, UndesirableWeight);

    [JsonIgnore]
    public OptimizerSettings OptimizerSettings =>
        new(Optim, AdamBeta1, AdamBeta2, AdamEpsilon, WeightDecay, MaxGradNorm, SgdMomentum);
}
