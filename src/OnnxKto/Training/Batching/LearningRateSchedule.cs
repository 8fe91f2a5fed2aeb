namespace OnnxKto.Training.Batching;

/// <summary>
/// Hugging Face's learning-rate schedules (transformers.optimization): the rate of update k (counted from 0) is
/// learning_rate × f(k), with w warm-up updates out of T:
/// constant: 1; constant_with_warmup: k/w during warm-up, then 1;
/// linear: k/w, then (T − k)/(T − w) down to 0; cosine: k/w, then ½(1 + cos(π·(k − w)/(T − w))).
/// </summary>
internal sealed record LearningRateSchedule(LearningRateSchedulerType Type, double PeakRate, int TotalUpdates, int WarmupUpdates)
{
    /// <summary>The schedule <paramref name="settings"/> ask for over a run of <paramref name="totalUpdates"/> updates.</summary>
    public static LearningRateSchedule For(ScheduleSettings settings, int totalUpdates) =>
        new(settings.LrSchedulerType, settings.LearningRate, totalUpdates,
            Warmup(settings.WarmupSteps, settings.WarmupRatio, totalUpdates));

    /// <summary>Warm-up updates as HF computes them: warmup_steps when positive, else ⌈warmup_ratio × T⌉.</summary>
    public static int Warmup(int warmupSteps, double warmupRatio, int totalUpdates) =>
        warmupSteps > 0 ? warmupSteps : (int)Math.Ceiling(warmupRatio * totalUpdates);

    /// <summary>The learning rate used by update <paramref name="k"/> (0-based).</summary>
    public double RateAt(int k) => PeakRate * Factor(k);

    /// <summary>f(k), the fraction of the peak rate update <paramref name="k"/> uses.</summary>
    public double Factor(int k)
    {
        if (Type == LearningRateSchedulerType.Constant) return 1;
        if (k < WarmupUpdates) return (double)k / Math.Max(1, WarmupUpdates);
        double progress = (double)(k - WarmupUpdates) / Math.Max(1, TotalUpdates - WarmupUpdates);
        return Type switch
        {
            LearningRateSchedulerType.ConstantWithWarmup => 1,
            LearningRateSchedulerType.Linear => Math.Max(0, (double)(TotalUpdates - k) / Math.Max(1, TotalUpdates - WarmupUpdates)),
            LearningRateSchedulerType.Cosine => Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * progress))),
            _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, "Unknown lr_scheduler_type."),
        };
    }
}
