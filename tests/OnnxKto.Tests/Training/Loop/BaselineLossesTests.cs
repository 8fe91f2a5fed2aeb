using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>The dpo and bco baselines, trained end to end on the tiny model's letter tokenizer.</summary>
[TestClass]
public sealed class BaselineLossesTests
{
    private static KtoConfig Config(LossType loss, int steps = 20) => new()
    {
        Loss = new LossSettings(loss, Beta: 0.5),
        Schedule = new ScheduleSettings { LearningRate = 1e-2, PerDeviceTrainBatchSize = 4, MaxSteps = steps, LrSchedulerType = LearningRateSchedulerType.Constant },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1000 },
        Data = new DataOptions { MaxLength = 16, Seed = 5 },
    };

    /// <summary>Prompts "ad", "bd", "cd"; the preferred completion is "e" after a and c, "f" after b.</summary>
    private static string WritePairs(string path, int rows)
    {
        using var writer = new StreamWriter(path);
        for (int i = 0; i < rows; i++)
        {
            var prompt = "abc"[i % 3] + "d";
            var (chosen, rejected) = i % 3 == 1 ? ("f", "e") : ("e", "f");
            writer.WriteLine(JsonSerializer.Serialize(new { prompt, chosen, rejected }));
        }
        return path;
    }

    [TestMethod]
    public void DpoLearnsThePreferenceAndLogsTrlsDpoMetrics()
    {
        using var dir = new TempFolder();
        var config = Config(LossType.Dpo);
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var lines = new List<string>();
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = WritePairs(dir.File("pairs.jsonl"), 24), Output = dir.File("run"), Config = config, Threads = 1 }, lines.Add).Run();

        var metrics = TinyRun.Metrics(dir.File("run"));
        Assert.AreEqual(Math.Log(2), metrics[0]["loss"]!.Value, 1e-6, "the first update starts at the reference: loss log 2");
        Assert.AreEqual(0, metrics[0]["rewards/accuracies"]!.Value, "equal rewards are not a win (TRL's strict >)");
        Assert.IsTrue(metrics[^1]["loss"] < 0.6, $"loss fell to {metrics[^1]["loss"]}");
        Assert.AreEqual(1, metrics.TakeLast(3).Average(m => m["rewards/accuracies"]!.Value), 1e-12);
        Assert.IsTrue(metrics[^1]["rewards/margins"] > 0);
        foreach (var key in new[] { "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected" })
            Assert.IsTrue(metrics[^1].ContainsKey(key), key);
        Assert.IsFalse(metrics[^1].ContainsKey("kl"), "DPO has no KL estimate");
        StringAssert.Contains(lines.Single(l => l.StartsWith("data ")), "24 desirable, 24 undesirable");
    }

    [TestMethod]
    public void DpoRefusesAnUnpairedFileNamingItAndTheColumns()
    {
        using var dir = new TempFolder();
        var config = Config(LossType.Dpo);
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("unpaired.jsonl"), 8);
        var e = Assert.ThrowsExactly<UserError>(() =>
            new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = dir.File("run"), Config = config, Threads = 1 }, _ => { }).Run());
        StringAssert.Contains(e.Message, "unpaired.jsonl");
        StringAssert.Contains(e.Message, "prompt, chosen and rejected");
        StringAssert.Contains(e.Message, "prompt_ids, completion_ids, label");
    }

    [TestMethod]
    public void BcoSeparatesRewardsAndLogsDelta()
    {
        using var dir = new TempFolder();
        var config = Config(LossType.Bco) with { Schedule = Config(LossType.Bco).Schedule with { PerDeviceTrainBatchSize = 8 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("d.jsonl"), 64), Output = dir.File("run"), Config = config, Threads = 1 }, _ => { }).Run();

        var metrics = TinyRun.Metrics(dir.File("run"));
        Assert.AreEqual(Math.Log(2), metrics[0]["loss"]!.Value, 1e-6, "at the reference every reward and δ are 0: loss log 2");
        Assert.AreEqual(0, metrics[0]["delta"]!.Value, 1e-9);
        Assert.IsTrue(metrics[^1]["loss"] < metrics[0]["loss"] - 0.02, $"loss went from {metrics[0]["loss"]} to {metrics[^1]["loss"]}");
        Assert.IsTrue(metrics[^1]["rewards/margins"] > 0.05);
        Assert.IsTrue(metrics.Skip(1).Any(m => m["delta"] != 0), "δ follows the rewards");
        Assert.IsFalse(metrics[^1].ContainsKey("kl"));
    }

    /// <summary>δ's running mean and count are saved in checkpoints: a run resumed from its middle repeats the uninterrupted one.</summary>
    [TestMethod]
    public void ResumedBcoRunRepeatsTheUninterruptedOne()
    {
        using var dir = new TempFolder();
        var config = Config(LossType.Bco, steps: 6) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 3 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 32);
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = dir.File("straight"), Config = config, Threads = 1 }, _ => { }).Run();
        foreach (var file in Directory.GetFiles(dir.File("straight"), "*", SearchOption.AllDirectories).Where(f => !f.Contains("checkpoint-6")))
        {
            var target = file.Replace(dir.File("straight"), dir.File("resumed"));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = dir.File("resumed"), Config = config, Resume = true, Threads = 1 }, _ => { }).Run();

        var (a, b) = (TinyRun.Metrics(dir.File("straight")), TinyRun.Metrics(dir.File("resumed")));
        Assert.AreEqual(6, b.Count);
        for (int i = 3; i < 6; i++)
        {
            Assert.AreEqual(a[i]["delta"], b[i]["delta"], $"delta at step {i + 1}");
            Assert.AreEqual(a[i]["loss"], b[i]["loss"], $"loss at step {i + 1}");
        }
    }

    /// <summary>Every micro-batch holds whole pairs: row i and row i + B share the prompt, one chosen and one rejected.</summary>
    [TestMethod]
    public void DpoMicroBatchesKeepPairsTogether()
    {
        using var dir = new TempFolder();
        var dataset = KtoDataset.Load(WritePairs(dir.File("pairs.jsonl"), 9), keepPairs: true);
        var shaped = KtoDataShaper.Shape(dataset, OnnxKto.Models.Tokenizers.ModelTokenizer.Load(TinyRun.WriteModel(dir.File("model"))), new DataOptions());
        var plan = TrainingPlan.Create(shaped.Examples.Count / 2, new ScheduleSettings { PerDeviceTrainBatchSize = 3, NumTrainEpochs = 2 }, 7, pairsForKl: false);
        foreach (var micro in plan.Updates.SelectMany(u => u.MicroBatches))
        {
            var batch = new TrainingData(shaped.Examples, shaped.Pairs).Batch(micro.Examples, withKl: false, padId: TinyRun.Eos, maxLength: null);
            for (int i = 0; i < 3; i++)
            {
                var (chosen, rejected) = (shaped.Examples[batch.Examples[i]], shaped.Examples[batch.Examples[i + 3]]);
                Assert.IsTrue(chosen.Label && !rejected.Label);
                CollectionAssert.AreEqual(chosen.PromptIds, rejected.PromptIds);
            }
        }
    }
}
