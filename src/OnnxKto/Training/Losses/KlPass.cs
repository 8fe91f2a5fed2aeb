namespace OnnxKto.Training.Losses;

/// <summary>Where a loss's KL reference point comes from, and so which mismatched (prompt, other completion) pairs the loop scores.</summary>
internal enum KlPass
{
    /// <summary>No KL reference point (apo_zero_unpaired, sft, dpo, bco).</summary>
    None,

    /// <summary>
    /// The training graph's own KL rows: prompt i with completion i−1 of each micro-batch (kto with <c>kl_estimate: batch</c>,
    /// TRL's). The micro-batch carries the KL sequences and their reference log-probs; with several ranks the estimate
    /// is averaged across them.
    /// </summary>
    MicroBatch,

    /// <summary>z0 estimated by the loop over each update's window and fed to the graph (kto with <c>kl_estimate</c> step or running).</summary>
    Window,
}
