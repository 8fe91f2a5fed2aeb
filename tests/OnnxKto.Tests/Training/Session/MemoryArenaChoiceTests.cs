using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Session;

[TestClass]
public sealed class MemoryArenaChoiceTests
{
    private static readonly MemoryPlan TwoGib = new([new("parameters", 1L << 30), new(MemoryPlan.ArenaSlackPart, 1L << 30)]);

    [TestMethod]
    public void AutoTakesTheArenaWhenThePlanWithItFits()
    {
        var fits = MemoryArenaChoice.Decide(null, TwoGib, availableBytes: 2L << 30);
        Assert.IsTrue(fits.On);
        StringAssert.Contains(fits.Reason, "auto");
        StringAssert.Contains(fits.Reason, "2.00 GiB");

        var tight = MemoryArenaChoice.Decide(null, TwoGib, availableBytes: (2L << 30) - 1);
        Assert.IsFalse(tight.On, "one byte short of the plan with the arena: lean");
        StringAssert.Contains(tight.Reason, "memory_arena: true");

        Assert.IsTrue(MemoryArenaChoice.Decide(null, TwoGib, availableBytes: null).On, "nothing says memory is short");
    }

    [TestMethod]
    public void AnExplicitSettingWins()
    {
        Assert.IsTrue(MemoryArenaChoice.Decide(true, TwoGib, availableBytes: 1).On);
        Assert.IsFalse(MemoryArenaChoice.Decide(false, TwoGib, availableBytes: 1L << 40).On);
        StringAssert.Contains(MemoryArenaChoice.Decide(false, TwoGib, 1L << 40).Reason, "memory_arena: false");
    }

    /// <summary>The arena changes where tensors live, not what is computed: both runs log their choice and agree exactly.</summary>
    [TestMethod]
    public void TrainPrintsItsChoiceAndTrainsTheSameEitherWay()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig
        {
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = 4, MaxSteps = 2 },
            Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1000 },
            Data = new OnnxKto.Data.DataOptions { MaxLength = 16 },
        };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 8);
        List<string> Train(string run, bool? arena)
        {
            var log = new List<string>();
            var c = config with { Loop = config.Loop with { MemoryArena = arena } };
            new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = dir.File(run), Config = c, Threads = 1 }, log.Add).Run();
            return log;
        }

        var auto = Train("auto", null);
        Assert.IsTrue(auto.Any(l => l.StartsWith("memory arena: on (auto", StringComparison.Ordinal)), string.Join("\n", auto));
        Assert.IsTrue(auto.Any(l => l.Contains(MemoryPlan.ArenaSlackPart, StringComparison.Ordinal)), "the printed plan counts the arena");
        var lean = Train("lean", false);
        Assert.IsTrue(lean.Contains("memory arena: off (memory_arena: false): large tensors go back to the system each step"));
        Assert.IsFalse(lean.Any(l => l.Contains(MemoryPlan.ArenaSlackPart, StringComparison.Ordinal)));

        var withArena = TinyRun.Metrics(dir.File("auto"));
        var without = TinyRun.Metrics(dir.File("lean"));
        Assert.AreEqual(2, withArena.Count);
        for (int i = 0; i < 2; i++)
            Assert.AreEqual(without[i]["loss"]!.Value, withArena[i]["loss"]!.Value, 0.0, $"step {i + 1}");
    }
}
