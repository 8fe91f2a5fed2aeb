using OnnxKto.Training.Batching;

namespace OnnxKto.Tests.Training.Batching;

/// <summary>Against values worked from transformers.optimization's lambdas (T = 10 updates, 2 warm-up, peak 1).</summary>
[TestClass]
public sealed class LearningRateScheduleTests
{
    [TestMethod]
    [DataRow(LearningRateSchedulerType.Constant, new[] { 1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [DataRow(LearningRateSchedulerType.ConstantWithWarmup, new[] { 0.0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [DataRow(LearningRateSchedulerType.Linear, new[] { 0.0, 0.5, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125 })]
    public void FactorsMatchHuggingFace(LearningRateSchedulerType type, double[] expected)
    {
        var schedule = new LearningRateSchedule(type, 1, 10, 2);
        for (int k = 0; k < 10; k++) Assert.AreEqual(expected[k], schedule.Factor(k), 1e-12, $"{type} at update {k}");
    }

    [TestMethod]
    public void CosineFollowsHalfACosine()
    {
        var schedule = new LearningRateSchedule(LearningRateSchedulerType.Cosine, 2e-5, 10, 2);
        Assert.AreEqual(0, schedule.RateAt(0));
        Assert.AreEqual(1e-5, schedule.RateAt(1), 1e-18);
        Assert.AreEqual(2e-5, schedule.RateAt(2), 1e-18);
        Assert.AreEqual(2e-5 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 8)), schedule.RateAt(6), 1e-18); // = 1e-5
        Assert.AreEqual(2e-5 * 0.5 * (1 + Math.Cos(Math.PI * 7 / 8)), schedule.RateAt(9), 1e-18);
    }

    [TestMethod]
    public void WarmupRatioRoundsUpAsHuggingFaceDoes()
    {
        Assert.AreEqual(4, LearningRateSchedule.Warmup(0, 0.1, 31));
        Assert.AreEqual(7, LearningRateSchedule.Warmup(7, 0.1, 31));
        Assert.AreEqual(0, LearningRateSchedule.Warmup(0, 0, 31));
    }
}
