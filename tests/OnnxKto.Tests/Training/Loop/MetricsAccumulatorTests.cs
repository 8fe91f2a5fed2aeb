using OnnxKto.Data;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>The metrics reduction over micro-batches and ranks, against hand-worked values.</summary>
[TestClass]
public sealed class MetricsAccumulatorTests
{
    // Examples 0..3: labels desirable, undesirable, desirable, undesirable; completions of 1, 2, 1 and 3 tokens.
    private static readonly TokenizedExample[] Data =
    [
        new([1, 2], [3], true), new([1, 2], [3, 4], false), new([2], [5], true), new([2], [5, 6, 7], false),
    ];

    private static MicroBatch Batch(int[] rows, bool paired = false) => MicroBatch.Build(Data, rows, withKl: false, padId: 0, maxLength: null, paired);

    // Rewards r, log-probs −(i+1), logits sum 2·tokens (mean logit 2), kl and δ given.
    private static TrainStepResult Result(float loss, float[] rewards, float kl = 0, float delta = 0, int[]? rows = null)
    {
        rows ??= Enumerable.Range(0, rewards.Length).ToArray();
        return new TrainStepResult(loss, rows.Select(i => -(float)(i + 1)).ToArray(), rewards, kl,
            rows.Select(i => 2f * Data[i].CompletionIds.Length).ToArray(), rows.Select(i => (float)Data[i].CompletionIds.Length).ToArray(), delta);
    }

    [TestMethod]
    public void ReportsPerLabelMeansTokenWeightedLogitsAndMeanKl()
    {
        var metrics = new MetricsAccumulator(LoggedMetrics.Kl | LoggedMetrics.Rewards | LoggedMetrics.Counts);
        metrics.Add(Batch([0, 1]), Result(0.5f, [1, -1], kl: 0.2f, rows: [0, 1]));
        metrics.Add(Batch([2, 3]), Result(0.3f, [3, -2], kl: 0.4f, rows: [2, 3]));
        metrics.AddUpdate(0.4);
        var report = metrics.Report();

        Assert.AreEqual(0.4, report["loss"], 1e-12);
        Assert.AreEqual(0.3, report["kl"], 1e-7, "(0.2 + 0.4) / 2 micro-batches");
        Assert.AreEqual(2, report["rewards/chosen"], 1e-12, "(1 + 3) / 2");
        Assert.AreEqual(-1.5, report["rewards/rejected"], 1e-12, "(−1 − 2) / 2");
        Assert.AreEqual(3.5, report["rewards/margins"], 1e-12);
        Assert.AreEqual(-2, report["logps/chosen"], 1e-12, "examples 0 and 2: (−1 − 3) / 2");
        Assert.AreEqual(-3, report["logps/rejected"], 1e-12, "examples 1 and 3: (−2 − 4) / 2");
        Assert.AreEqual(2, report["logits/chosen"], 1e-12);
        Assert.AreEqual(2, report["count/chosen"]);
        Assert.AreEqual(2, report["count/rejected"]);
        Assert.AreEqual(3 + 4 + 2 + 4, metrics.Tokens, "every real token of the target rows (prompt + completion)");
        CollectionAssert.DoesNotContain(report.Keys, "delta");
        CollectionAssert.DoesNotContain(report.Keys, "rewards/accuracies");
    }

    [TestMethod]
    public void ReportsOnlyWhatTheLossDeclares()
    {
        var sft = new MetricsAccumulator(TrainingLoss.For(new LossSettings(LossType.Sft)).Metrics);
        sft.Add(Batch([0, 1]), Result(1, [], rows: [0, 1]));
        sft.AddUpdate(1);
        CollectionAssert.AreEquivalent(
            new[] { "loss", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected", "count/chosen", "count/rejected" },
            sft.Report().Keys.ToArray());
        var dpo = new MetricsAccumulator(TrainingLoss.For(new LossSettings(LossType.Dpo)).Metrics).Report("eval_");
        CollectionAssert.Contains(dpo.Keys, "eval_rewards/accuracies");
        CollectionAssert.DoesNotContain(dpo.Keys, "eval_kl");
        CollectionAssert.DoesNotContain(dpo.Keys, "eval_count/chosen");
    }

    /// <summary>
    /// Two ranks' sums are one process's: pairs won and δ are summed like everything else (rank 0's pair accuracy alone
    /// would be 1/2, its δ mean over all micro-batches 1/4 of the true one).
    /// </summary>
    [TestMethod]
    public void SumAcrossRanksGivesWhatOneProcessReports()
    {
        const LoggedMetrics logged = LoggedMetrics.Rewards | LoggedMetrics.PairAccuracy | LoggedMetrics.Delta;
        // One pair per rank: (chosen 0, rejected 1) on rank 0 loses, (chosen 2, rejected 3) on rank 1 wins.
        var (rank0, rank1) = (new MetricsAccumulator(logged), new MetricsAccumulator(logged));
        rank0.Add(Batch([0, 1], paired: true), Result(0.7f, [-1, 1], delta: 0.5f, rows: [0, 1]));
        rank0.AddUpdate(0.7);
        rank1.Add(Batch([2, 3], paired: true), Result(0.1f, [2, -2], delta: 0.5f, rows: [2, 3]));
        rank1.AddUpdate(0.1);
        // An all-reduce of two vectors: each rank's callback sees the other's and both end with the sum.
        rank0.SumAcrossRanks(v0 => rank1.SumAcrossRanks(v1 =>
        {
            for (int i = 0; i < v0.Length; i++) v1[i] = v0[i] += v1[i];
        }));

        foreach (var report in new[] { rank0.Report(), rank1.Report() })
        {
            Assert.AreEqual(0.5, report["rewards/accuracies"], 1e-12, "1 pair won of 2");
            Assert.AreEqual(0.5, report["delta"], 1e-7, "δ is the same on both ranks: its mean over the 2 micro-batches");
            Assert.AreEqual(0.4, report["loss"], 1e-12, "(0.7 + 0.1) / 2 updates");
            Assert.AreEqual(0.5, report["rewards/chosen"], 1e-12, "(−1 + 2) / 2");
            Assert.AreEqual(-0.5, report["rewards/rejected"], 1e-12, "(1 − 2) / 2");
        }
    }
}
