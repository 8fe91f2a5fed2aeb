using System.Globalization;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// bco's running reward mean δ, as TRL's <c>RunningMoments</c> keeps it: the mean of every reward seen in training,
/// updated after each micro-batch from its rewards (the graph already folds the micro-batch into the δ it uses, see
/// <see cref="Losses.BcoLoss"/>). Saved in checkpoints so a resumed run continues with the same δ.
/// </summary>
internal sealed class RewardShift
{
    /// <summary>The checkpoint metadata keys of the mean and the count.</summary>
    public const string MeanKey = "bco_reward_mean", CountKey = "bco_reward_count";

    private double _mean, _count;

    private void Feed(TrainingSession session)
    {
        session.SetLossInput(ArtifactNames.RewardMean, _mean);
        session.SetLossInput(ArtifactNames.RewardCount, _count);
    }

    /// <summary>
    /// Adds one training micro-batch's rewards and feeds the new mean and count to the session, for the next step (and
    /// evaluation). A micro-batch with a non-finite reward is left out, so one bad update cannot poison δ.
    /// </summary>
    public void Add(IReadOnlyList<float> rewards, TrainingSession session)
    {
        if (rewards.All(float.IsFinite))
            foreach (var r in rewards)
            {
                _count++;
                _mean += (r - _mean) / _count;
            }
        Feed(session);
    }

    /// <summary>Adds the mean and count to a checkpoint's metadata.</summary>
    public void Save(IDictionary<string, string> metadata)
    {
        metadata[MeanKey] = _mean.ToString("R", CultureInfo.InvariantCulture);
        metadata[CountKey] = _count.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Restores the mean and count from a checkpoint's metadata (a fresh run has none: the count starts at 0, so the
    /// first micro-batch's δ is its own mean reward) and feeds them to the session.
    /// </summary>
    public void Restore(IReadOnlyDictionary<string, string> metadata, TrainingSession session)
    {
        if (metadata.TryGetValue(MeanKey, out var mean)) _mean = double.Parse(mean, CultureInfo.InvariantCulture);
        if (metadata.TryGetValue(CountKey, out var count)) _count = double.Parse(count, CultureInfo.InvariantCulture);
        Feed(session);
    }
}
