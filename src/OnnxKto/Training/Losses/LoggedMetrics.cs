namespace OnnxKto.Training.Losses;

/// <summary>
/// The metrics a loss logs besides <c>loss</c>, <c>logps/*</c> and <c>logits/*</c>, which every loss logs (TRL's names;
/// what each sums and how it reduces is the metrics accumulator's).
/// </summary>
[Flags]
internal enum LoggedMetrics
{
    /// <summary>Only the metrics every loss logs.</summary>
    None = 0,

    /// <summary><c>kl</c>: the KL reference point z0, the mean over micro-batches.</summary>
    Kl = 1,

    /// <summary><c>rewards/chosen</c>, <c>rewards/rejected</c>, <c>rewards/margins</c>: per-example means of the rewards by label.</summary>
    Rewards = 2,

    /// <summary><c>count/chosen</c>, <c>count/rejected</c>: examples by label.</summary>
    Counts = 4,

    /// <summary><c>rewards/accuracies</c>: the fraction of preference pairs whose chosen reward beats the rejected one.</summary>
    PairAccuracy = 8,

    /// <summary><c>delta</c>: bco's reward shift δ, the mean over micro-batches.</summary>
    Delta = 16,
}
