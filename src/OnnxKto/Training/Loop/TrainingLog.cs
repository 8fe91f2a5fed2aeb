using System.Diagnostics;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Parallel;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The run's metrics: every <c>logging_steps</c> updates (and at the last) the interval's metrics, summed across ranks,
/// go to <c>metrics.jsonl</c> (rank 0) and the progress display; at the end the run's totals.
/// </summary>
internal sealed class TrainingLog(RunFolder run, DataParallel parallel, TrainingLoss loss, ITrainingProgress? progress, int loggingSteps, int updatesPerEpoch)
{
    private readonly Stopwatch _intervalClock = Stopwatch.StartNew(), _runClock = Stopwatch.StartNew();
    private double _lossSum;

    /// <summary>The current logging interval's sums.</summary>
    public MetricsAccumulator Interval { get; private set; } = new(loss.Metrics);

    /// <summary>Records update <paramref name="step"/> (1-based) and writes the interval's metrics when a logging step or the last one is reached.</summary>
    public void Updated(int step, int total, double updateLoss, double rate, double norm)
    {
        _lossSum += updateLoss;
        progress?.Update(step, updateLoss);
        if (step % loggingSteps != 0 && step != total) return;
        Interval.SumAcrossRanks(sums => parallel.Sum(sums, $"metrics of update {step}"));
        var metrics = Interval.Report();
        metrics["step"] = step;
        metrics["epoch"] = Math.Round((double)step / updatesPerEpoch, 4);
        metrics["learning_rate"] = rate;
        metrics["grad_norm"] = norm;
        metrics["tokens_per_second"] = Interval.Tokens / _intervalClock.Elapsed.TotalSeconds;
        parallel.Report(metrics);
        if (parallel.IsWriter) run.AppendMetrics(metrics);
        progress?.Log(metrics);
        Interval = new MetricsAccumulator(loss.Metrics);
        _intervalClock.Restart();
    }

    /// <summary>Writes the run's totals (HF's <c>train_runtime</c>, <c>train_loss</c>, ...) over the <paramref name="updates"/> this process ran.</summary>
    /// <param name="updates">Updates run by this process (a resumed run's, not the whole plan's).</param>
    /// <param name="samples">Rows this rank trained on.</param>
    public Dictionary<string, double> Totals(int updates, int samples)
    {
        double seconds = _runClock.Elapsed.TotalSeconds;
        var totals = new[] { _lossSum / parallel.WorldSize, samples };
        parallel.Sum(totals, "run totals");
        var summary = new Dictionary<string, double>
        {
            ["train_runtime"] = Math.Round(seconds, 3),
            ["train_samples_per_second"] = Math.Round(totals[1] / seconds, 3),
            ["train_steps_per_second"] = Math.Round(updates / seconds, 3),
            ["train_loss"] = updates > 0 ? totals[0] / updates : double.NaN,
        };
        if (parallel.IsWriter) run.AppendMetrics(summary);
        return summary;
    }
}
