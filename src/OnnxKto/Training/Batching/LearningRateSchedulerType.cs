namespace OnnxKto.Training.Batching;

/// <summary>Hugging Face's learning-rate schedules, by their config names (<c>lr_scheduler_type</c>).</summary>
public enum LearningRateSchedulerType
{
    /// <summary><c>constant</c>: the peak rate throughout, no warm-up.</summary>
    Constant,

    /// <summary><c>constant_with_warmup</c>: linear warm-up, then the peak rate.</summary>
    ConstantWithWarmup,

    /// <summary><c>linear</c> (HF default): linear warm-up, then linear decay to 0.</summary>
    Linear,

    /// <summary><c>cosine</c>: linear warm-up, then half a cosine down to 0.</summary>
    Cosine,
}

/// <summary>Config names of <see cref="LearningRateSchedulerType"/> values.</summary>
internal static class LearningRateSchedulerTypeNames
{
    /// <summary>The <c>lr_scheduler_type</c> spelling, e.g. <c>constant_with_warmup</c>.</summary>
    public static string ToConfigName(this LearningRateSchedulerType type) => type switch
    {
        LearningRateSchedulerType.Constant => "constant",
        LearningRateSchedulerType.ConstantWithWarmup => "constant_with_warmup",
        LearningRateSchedulerType.Linear => "linear",
        LearningRateSchedulerType.Cosine => "cosine",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
