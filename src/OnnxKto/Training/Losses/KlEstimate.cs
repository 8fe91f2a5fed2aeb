namespace OnnxKto.Training.Losses;

/// <summary>How the kto loss estimates its KL reference point z0 (<c>kl_estimate</c>, ours).</summary>
public enum KlEstimate
{
    /// <summary><c>batch</c> (default, TRL's): mismatched pairs within each micro-batch, computed in the training graph.</summary>
    Batch,

    /// <summary>
    /// <c>step</c>: mismatched pairs over all micro-batches of one optimizer update (rotation by one across the
    /// accumulation window), scored without gradient before the update's backward passes; one z0 per update.
    /// </summary>
    Step,

    /// <summary><c>running</c>: an exponential moving average (decay <c>kl_ema</c>) of the per-update <c>step</c> estimates.</summary>
    Running,
}

/// <summary>Config names of <see cref="KlEstimate"/> values.</summary>
internal static class KlEstimateNames
{
    /// <summary>The <c>kl_estimate</c> spelling, e.g. <c>step</c>.</summary>
    public static string ToConfigName(this KlEstimate estimate) => estimate switch
    {
        KlEstimate.Batch => "batch",
        KlEstimate.Step => "step",
        KlEstimate.Running => "running",
        _ => throw new ArgumentOutOfRangeException(nameof(estimate)),
    };
}
