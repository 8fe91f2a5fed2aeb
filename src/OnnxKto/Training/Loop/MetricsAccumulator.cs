using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// Sums micro-batch results over a logging interval and reports them with TRL's metric names: per-example means of
/// rewards and log-probs split by label, token-weighted mean logits, the mean KL and δ over micro-batches, the counts,
/// and the fraction of preference pairs won. Every field is a sum, over micro-batches and then over the ranks of a
/// data-parallel job (<see cref="SumAcrossRanks"/>); the means are taken at <see cref="Report"/>. Which metrics are
/// reported is the loss's declaration (<see cref="LoggedMetrics"/>), as its TRL trainer logs them.
/// </summary>
internal sealed class MetricsAccumulator(LoggedMetrics logged)
{
    private double _loss, _kl, _delta, _tokens;
    private int _updates, _microBatches, _pairs, _pairsWon;
    private readonly Dictionary<bool, (double Rewards, double Logps, double Logits, double LogitTokens, int Count)> _byLabel = new()
    {
        [true] = default,
        [false] = default,
    };

    /// <summary>Adds one micro-batch.</summary>
    public void Add(MicroBatch batch, TrainStepResult r)
    {
        _microBatches++;
        _kl += r.Kl;
        _delta += r.Delta;
        if (batch.Paired && r.Rewards.Length == batch.Size)
            for (int i = 0, half = batch.Size / 2; i < half; i++, _pairs++)
                if (r.Rewards[i] > r.Rewards[i + half]) _pairsWon++;
        _tokens += batch.Target.TokenCount + (batch.Kl?.TokenCount ?? 0);
        for (int i = 0; i < batch.Size; i++)
        {
            var s = _byLabel[batch.Labels[i]];
            _byLabel[batch.Labels[i]] = (s.Rewards + (r.Rewards.Length > 0 ? r.Rewards[i] : 0), s.Logps + r.PolicyLogps[i],
                s.Logits + r.LogitsSum[i], s.LogitTokens + r.CompletionTokens[i], s.Count + 1);
        }
    }

    /// <summary>Adds one update's loss (the mean of its micro-batch losses).</summary>
    public void AddUpdate(double loss)
    {
        _loss += loss;
        _updates++;
    }

    public double Tokens => _tokens;

    /// <summary>Sums every field over the ranks of a data-parallel job; <paramref name="allReduceSum"/> sums a vector in place.</summary>
    public void SumAcrossRanks(Action<double[]> allReduceSum)
    {
        var (c, r) = (_byLabel[true], _byLabel[false]);
        double[] v = [_loss, _kl, _delta, _tokens, _updates, _microBatches, _pairs, _pairsWon, c.Rewards, c.Logps, c.Logits, c.LogitTokens, c.Count,
            r.Rewards, r.Logps, r.Logits, r.LogitTokens, r.Count];
        allReduceSum(v);
        (_loss, _kl, _delta, _tokens, _updates, _microBatches, _pairs, _pairsWon) = (v[0], v[1], v[2], v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7]);
        _byLabel[true] = (v[8], v[9], v[10], v[11], (int)v[12]);
        _byLabel[false] = (v[13], v[14], v[15], v[16], (int)v[17]);
    }

    /// <summary>The interval's metrics, prefixed (e.g. <c>eval_</c>) when asked.</summary>
    public Dictionary<string, double> Report(string prefix = "")
    {
        var (c, r) = (_byLabel[true], _byLabel[false]);
        double Mean(double sum, double count) => count > 0 ? sum / count : double.NaN;
        var metrics = new Dictionary<string, double>
        {
            ["loss"] = Mean(_loss, _updates),
            ["kl"] = Mean(_kl, _microBatches),
            ["rewards/chosen"] = Mean(c.Rewards, c.Count),
            ["rewards/rejected"] = Mean(r.Rewards, r.Count),
            ["logps/chosen"] = Mean(c.Logps, c.Count),
            ["logps/rejected"] = Mean(r.Logps, r.Count),
            ["logits/chosen"] = Mean(c.Logits, c.LogitTokens),
            ["logits/rejected"] = Mean(r.Logits, r.LogitTokens),
            ["count/chosen"] = c.Count,
            ["count/rejected"] = r.Count,
        };
        metrics["rewards/margins"] = metrics["rewards/chosen"] - metrics["rewards/rejected"];
        if (!logged.HasFlag(LoggedMetrics.Kl)) metrics.Remove("kl");
        if (!logged.HasFlag(LoggedMetrics.Rewards))
            foreach (var key in new[] { "rewards/chosen", "rewards/rejected", "rewards/margins" }) metrics.Remove(key);
        if (!logged.HasFlag(LoggedMetrics.Counts))
            foreach (var key in new[] { "count/chosen", "count/rejected" }) metrics.Remove(key);
        if (logged.HasFlag(LoggedMetrics.PairAccuracy)) metrics["rewards/accuracies"] = Mean(_pairsWon, _pairs);
        if (logged.HasFlag(LoggedMetrics.Delta)) metrics["delta"] = Mean(_delta, _microBatches);
        return metrics.ToDictionary(m => prefix + m.Key, m => m.Value);
    }
}
