using OnnxKto.Training.Batching;

namespace OnnxKto.Tests.Training.Batching;

[TestClass]
public sealed class TrainingPlanTests
{
    [TestMethod]
    public void SequentialPlanCutsMicroBatchesAndGroupsUpdates()
    {
        var plan = TrainingPlan.Create(10, new ScheduleSettings { PerDeviceTrainBatchSize = 3, GradientAccumulationSteps = 2, NumTrainEpochs = 1, TrainSamplingStrategy = SamplingStrategy.Sequential }, seed: 42, pairsForKl: true);
        // 10 examples → [0,1,2] [3,4,5] [6,7,8]; the trailing single example is dropped for kto.
        Assert.AreEqual(2, plan.Updates.Count);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, plan.Updates[0].MicroBatches[0].Examples);
        CollectionAssert.AreEqual(new[] { 6, 7, 8 }, plan.Updates[1].MicroBatches.Single().Examples);
        Assert.AreEqual(1, plan.Warnings.Count);
    }

    [TestMethod]
    public void RandomPlanIsASeededPermutationPerEpoch()
    {
        var config = new ScheduleSettings { PerDeviceTrainBatchSize = 4, NumTrainEpochs = 2 };
        var a = TrainingPlan.Create(8, config, seed: 9, pairsForKl: true);
        var b = TrainingPlan.Create(8, config, seed: 9, pairsForKl: true);
        var epoch0 = a.Updates.Where(u => u.Epoch == 0).SelectMany(u => u.MicroBatches.SelectMany(m => m.Examples)).ToList();
        var epoch1 = a.Updates.Where(u => u.Epoch == 1).SelectMany(u => u.MicroBatches.SelectMany(m => m.Examples)).ToList();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 8).ToList(), epoch0);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 8).ToList(), epoch1);
        CollectionAssert.AreNotEqual(epoch0, epoch1, "each epoch reshuffles");
        CollectionAssert.AreEqual(epoch0, b.Updates.Where(u => u.Epoch == 0).SelectMany(u => u.MicroBatches.SelectMany(m => m.Examples)).ToList());
    }

    [TestMethod]
    public void EachMicroBatchHoldsEveryRanksSliceAndAShortTailIsDropped()
    {
        // 2 ranks x 3 per device: micro-batches of 6, the last 4 of 10 examples cannot give each rank 3.
        var plan = TrainingPlan.Create(10, new ScheduleSettings { PerDeviceTrainBatchSize = 3, NumTrainEpochs = 1, TrainSamplingStrategy = SamplingStrategy.Sequential },
            seed: 42, pairsForKl: true, worldSize: 2);
        Assert.AreEqual(1, plan.Updates.Count);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5 }, plan.Updates[0].MicroBatches[0].Examples);
        StringAssert.Contains(plan.Warnings.Single(), "last 4 examples");
    }

    [TestMethod]
    public void MaxStepsRunsPastOneEpoch() =>
        Assert.AreEqual(7, TrainingPlan.Create(8, new ScheduleSettings { PerDeviceTrainBatchSize = 4, MaxSteps = 7 }, seed: 42, pairsForKl: true).Updates.Count);

    [TestMethod]
    public void KlRowsBorrowTheLeftNeighboursCompletion()
    {
        int[] examples = [5, 9, 2];
        CollectionAssert.AreEqual(new[] { 2, 5, 9 }, examples.Select((_, row) => MicroBatch.KlSource(examples, row)).ToArray());
    }
}
