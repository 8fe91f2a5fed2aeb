namespace OnnxKto.Training.Batching;

/// <summary>
/// How long training runs, in what batches and at what learning rate (Hugging Face TrainingArguments keys). Read by
/// <see cref="TrainingPlan"/> and <see cref="LearningRateSchedule"/>.
/// </summary>
public sealed record ScheduleSettings
{
    /// <summary><c>learning_rate</c>: peak learning rate. TRL default 1e-6.</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary><c>lr_scheduler_type</c>: constant, constant_with_warmup, linear (HF default) or cosine.</summary>
    public LearningRateSchedulerType LrSchedulerType { get; init; } = LearningRateSchedulerType.Linear;

    /// <summary><c>warmup_ratio</c>: fraction of updates spent warming up. Example: 0.1.</summary>
    public double WarmupRatio { get; init; }

    /// <summary><c>warmup_steps</c>: warm-up updates; overrides warmup_ratio when positive. Example: 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary><c>num_train_epochs</c>: passes over the data (fractional allowed). HF default 3.</summary>
    public double NumTrainEpochs { get; init; } = 3;

    /// <summary><c>max_steps</c>: optimizer updates; overrides num_train_epochs when positive. Example: -1.</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary><c>per_device_train_batch_size</c>: examples per micro-batch (at least 2 for kto). Example: 8.</summary>
    public int PerDeviceTrainBatchSize { get; init; } = 8;

    /// <summary><c>gradient_accumulation_steps</c>: micro-batches per optimizer update. Example: 1.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary><c>train_sampling_strategy</c>: random (one seeded shuffle per epoch; our default) or sequential (TRL's order).</summary>
    public SamplingStrategy TrainSamplingStrategy { get; init; } = SamplingStrategy.Random;
}
