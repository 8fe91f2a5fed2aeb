using System.Globalization;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Parallel;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// bco's running reward mean δ, as TRL's <c>RunningMoments</c> keeps it: the mean of every reward seen in training,
/// updated after each micro-batch from its rewards (the graph already folds the micro-batch into the δ it uses, see
/// <see cref="Losses.BcoLoss"/>). Like <c>RunningMoments</c> under several processes, the rewards are gathered across
/// the ranks: every rank holds the same δ, which is that of one process training on the whole micro-batch. Saved in
/// checkpoints so a resumed run continues with the same δ.
/// </summary>
internal sealed class RewardShift : ILossState
{
    /// <summary>The checkpoint metadata keys of the mean and the count.</summary>
    public const string MeanKey = "bco_reward_mean", CountKey = "bco_reward_count";

    private double _mean, _count;

    private static void Feed(TrainingSession session, double mean, double count)
    {
        session.SetLossInput(ArtifactNames.RewardMean, mean);
        session.SetLossInput(ArtifactNames.RewardCount, count);
    }

    /// <summary>
    /// With several ranks, before a micro-batch's training step: the graph folds only this rank's rewards into δ, so it
    /// is fed a mean and count that already hold the other ranks' rewards of this micro-batch (scored by the eval graph
    /// at the current parameters, one forward pass): δ = (N·m + Σ r over every rank)/(N + n over every rank).
    /// </summary>
    /// <param name="session">The session, at the parameters the step will use.</param>
    /// <param name="batch">This rank's slice of the micro-batch.</param>
    /// <param name="referenceLogps">The reference log-probs of its rows.</param>
    /// <param name="parallel">The job (the identity with one rank: nothing runs).</param>
    /// <param name="update">1-based update number, for the timeout message.</param>
    public void BeforeStep(TrainingSession session, MicroBatch batch, float[]? referenceLogps, DataParallel parallel, int update)
    {
        if (!parallel.Active) return;
        var local = Sums(session.EvalStep(batch, referenceLogps, null).Rewards);
        var all = (double[])local.Clone();
        parallel.Sum(all, $"bco rewards of update {update}");
        double otherSum = all[0] - local[0], otherCount = all[1] - local[1];
        double count = _count + otherCount;
        Feed(session, count > 0 ? (_count * _mean + otherSum) / count : 0, count);
    }

    /// <summary>
    /// Adds one training micro-batch's rewards, gathered over the ranks, and feeds the new mean and count to the session,
    /// for the next step (and evaluation). A micro-batch with a non-finite reward on any rank is left out, so one bad
    /// update cannot poison δ.
    /// </summary>
    public void AfterStep(TrainingSession session, TrainStepResult result, DataParallel parallel, int update)
    {
        var sums = Sums(result.Rewards);
        parallel.Sum(sums, $"bco rewards of update {update}");
        if (sums[2] == 0 && sums[1] > 0)
        {
            // The graph's formula: δ = (N·m + Σr)/(N + n).
            _mean = (_count * _mean + sums[0]) / (_count + sums[1]);
            _count += sums[1];
        }
        Feed(session, _mean, _count);
    }

    // Σr, n and whether any reward is non-finite, as a vector to sum over ranks.
    private static double[] Sums(IReadOnlyList<float> rewards) =>
        [rewards.Where(float.IsFinite).Sum(r => (double)r), rewards.Count, rewards.All(float.IsFinite) ? 0 : 1];

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
        Feed(session, _mean, _count);
    }
}
