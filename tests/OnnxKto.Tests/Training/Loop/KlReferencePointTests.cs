using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>kl_estimate step and running, end to end on the tiny model.</summary>
[TestClass]
public sealed class KlReferencePointTests
{
    // SGD keeps the update linear in the gradient, so equal gradients give equal weights to float32 rounding.
    private static KtoConfig Config(int batch, int accumulate, KlEstimate estimate, int steps = 1, double ema = 0.9) => new()
    {
        Loss = new LossSettings(LossType.Kto, Beta: 0.5, KlEstimate: estimate, KlEma: ema),
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, MaxGradNorm = 0 },
        Schedule = new ScheduleSettings
        {
            LearningRate = 0.5, PerDeviceTrainBatchSize = batch, GradientAccumulationSteps = accumulate, MaxSteps = steps,
            LrSchedulerType = LearningRateSchedulerType.Constant, TrainSamplingStrategy = SamplingStrategy.Sequential,
        },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1 },
        Data = new DataOptions { MaxLength = 16, Seed = 5 },
    };

    /// <summary>
    /// The criterion: per_device_train_batch_size 1 with 8 accumulation steps and kl_estimate step forms the
    /// same 8 KL pairs as one micro-batch of 8 under TRL's batch estimate, so each update gives the same loss, z0 and
    /// weights (to float32 rounding: the two score the pairs in differently padded batches). z0 is positive at the second.
    /// </summary>
    [TestMethod]
    public void StepWithBatchOneAndEightAccumulationsEqualsOneBatchOfEight()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 8);
        var full = Config(8, 1, KlEstimate.Batch, steps: 3);
        var accumulated = Config(1, 8, KlEstimate.Step, steps: 3);
        Train(TinyRun.Artifacts(model, dir.File("a-batch"), full), data, dir.File("batch"), full);
        Train(TinyRun.Artifacts(model, dir.File("a-step"), accumulated), data, dir.File("step"), accumulated);

        var (a, b) = (TinyRun.Metrics(dir.File("batch")), TinyRun.Metrics(dir.File("step")));
        Assert.IsTrue(a.Any(m => m["kl"] > 1e-3), "z0 is positive at some update, so the pairing matters");
        for (int i = 0; i < a.Count; i++)
            foreach (var key in new[] { "loss", "kl", "rewards/chosen", "rewards/rejected" })
                Assert.AreEqual(a[i][key]!.Value, b[i][key]!.Value, 2e-6 * Math.Max(1, Math.Abs(a[i][key]!.Value)), $"{key} at step {i + 1}");
        AssertSameWeights(dir.File("batch/checkpoint-3"), dir.File("step/checkpoint-3"));
    }

    [TestMethod]
    public void BatchOneIsAllowedForStepButAnUpdateOfOneExampleIsNot()
    {
        var plan = TrainingPlan.Create(17, Config(1, 8, KlEstimate.Step).Schedule with { MaxSteps = 0, NumTrainEpochs = 1 }, 1, pairsForKl: true, pairsAcrossUpdate: true);
        Assert.AreEqual(2, plan.Updates.Count, "the 17th example would be an update of one: dropped");
        Assert.AreEqual(2, plan.UpdatesPerEpoch);
        StringAssert.Contains(plan.Warnings.Single(), "pair with itself");
        var e = Assert.ThrowsExactly<UserError>(() => TrainingPlan.Create(8, Config(1, 1, KlEstimate.Step).Schedule, 1, pairsForKl: true, pairsAcrossUpdate: true));
        StringAssert.Contains(e.Message, "pair it with itself");
    }

    /// <summary>With decay 0 the running average is the latest estimate: running equals step, update for update.</summary>
    [TestMethod]
    public void RunningWithDecayZeroEqualsStepAndWithDecayItDiffers()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 16);
        var step = Config(2, 2, KlEstimate.Step, steps: 4);
        var running0 = Config(2, 2, KlEstimate.Running, steps: 4, ema: 0);
        var running = Config(2, 2, KlEstimate.Running, steps: 4, ema: 0.5);
        Train(TinyRun.Artifacts(model, dir.File("a1"), step), data, dir.File("step"), step);
        Train(TinyRun.Artifacts(model, dir.File("a2"), running0), data, dir.File("running0"), running0);
        Train(TinyRun.Artifacts(model, dir.File("a3"), running), data, dir.File("running"), running);
        var (s, r0, r) = (TinyRun.Metrics(dir.File("step")), TinyRun.Metrics(dir.File("running0")), TinyRun.Metrics(dir.File("running")));
        for (int i = 0; i < s.Count; i++) Assert.AreEqual(s[i]["loss"]!.Value, r0[i]["loss"]!.Value, 1e-7, $"loss at step {i + 1}");
        Assert.AreEqual(s[0]["kl"]!.Value, r[0]["kl"]!.Value, 1e-9, "the first update takes the estimate");
        Assert.AreNotEqual(s[^1]["kl"]!.Value, r[^1]["kl"]!.Value, "later updates average");
    }

    /// <summary>
    /// Without the reference cache the window's reference KL log-probs are computed each update, with the same result;
    /// evaluation (batch 1 too) uses the z0 of the latest update.
    /// </summary>
    [TestMethod]
    public void StepWithoutTheReferenceCacheMatchesAndEvaluatesWithTheLatestZ0()
    {
        using var dir = new TempFolder();
        var config = Config(1, 4, KlEstimate.Step, steps: 3) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 100, EvalSteps = 3 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 12);
        var eval = TinyRun.WriteData(dir.File("eval.jsonl"), 5, seed: 8);
        foreach (var (name, precompute) in new[] { ("cached", true), ("live", false) })
        {
            var c = config with { Loop = config.Loop with { PrecomputeRefLogProbs = precompute } };
            new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, EvalData = eval, Output = dir.File(name), Config = c, Threads = 1 }, _ => { }).Run();
        }
        var (a, b) = (TinyRun.Metrics(dir.File("cached")), TinyRun.Metrics(dir.File("live")));
        var trainA = a.Where(m => m.ContainsKey("loss")).ToList();
        var trainB = b.Where(m => m.ContainsKey("loss")).ToList();
        for (int i = 0; i < trainA.Count; i++)
        {
            Assert.AreEqual(trainA[i]["loss"]!.Value, trainB[i]["loss"]!.Value, 1e-6, $"loss at step {i + 1}");
            Assert.AreEqual(trainA[i]["kl"]!.Value, trainB[i]["kl"]!.Value, 1e-6, $"kl at step {i + 1}");
        }
        var evalA = a.Single(m => m.ContainsKey("eval_loss"));
        Assert.AreEqual(5, evalA["eval_count/chosen"] + evalA["eval_count/rejected"], "every eval example, in batches of one");
        Assert.AreEqual(trainA[^1]["kl"]!.Value, evalA["eval_kl"]!.Value, 1e-7, "eval uses the latest update's z0");
    }

    /// <summary>The running average is saved in checkpoints: a run resumed from its middle repeats the uninterrupted one.</summary>
    [TestMethod]
    public void ResumedRunningRunRepeatsTheUninterruptedOne()
    {
        using var dir = new TempFolder();
        var config = Config(2, 2, KlEstimate.Running, steps: 6, ema: 0.5) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 3 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 16);
        Train(artifacts, data, dir.File("straight"), config);
        CopyFolder(dir.File("straight"), dir.File("resumed"));
        Directory.Delete(dir.File("resumed/checkpoint-6"), recursive: true);
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = dir.File("resumed"), Config = config, Resume = true, Threads = 1 }, _ => { }).Run();

        var (a, b) = (TinyRun.Metrics(dir.File("straight")), TinyRun.Metrics(dir.File("resumed")));
        Assert.AreEqual(6, b.Count);
        for (int i = 3; i < 6; i++)
        {
            Assert.AreEqual(a[i]["kl"], b[i]["kl"], $"kl at step {i + 1}");
            Assert.AreEqual(a[i]["loss"], b[i]["loss"], $"loss at step {i + 1}");
        }
    }

    private static void AssertSameWeights(string a, string b)
    {
        var x = TrainingCheckpoint.Load(Path.Combine(a, "checkpoint.safetensors"));
        var y = TrainingCheckpoint.Load(Path.Combine(b, "checkpoint.safetensors"));
        foreach (var (name, tensor) in x.Tensors.Where(t => t.Value.Type == OnnxKto.Graphs.DataType.Float))
        {
            var (p, q) = (tensor.ToFloats(), y.Tensors[name].ToFloats());
            for (int i = 0; i < p.Length; i++) Assert.AreEqual(p[i], q[i], 1e-6 * Math.Max(1, Math.Abs(p[i])), $"{name}[{i}]");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }

    private static void Train(string artifacts, string data, string output, KtoConfig config) =>
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = output, Config = config, Threads = 1 }, _ => { }).Run();
}
