using System.Diagnostics;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Loop;

[TestClass]
public sealed class TrainerTests
{
    private static KtoConfig Toy => new()
    {
        Schedule = new ScheduleSettings { LearningRate = 1e-2, PerDeviceTrainBatchSize = 8, MaxSteps = 30, LrSchedulerType = LearningRateSchedulerType.Constant },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1000 },
        Data = new DataOptions { MaxLength = 16, Seed = 5 },
    };

    private static KtoConfig With(KtoConfig c, Func<ScheduleSettings, ScheduleSettings>? schedule = null, Func<LoopSettings, LoopSettings>? loop = null,
        Func<LossSettings, LossSettings>? loss = null, Func<OptimizerSettings, OptimizerSettings>? optimizer = null) => c with
    {
        Schedule = schedule?.Invoke(c.Schedule) ?? c.Schedule, Loop = loop?.Invoke(c.Loop) ?? c.Loop,
        Loss = loss?.Invoke(c.Loss) ?? c.Loss, Optimizer = optimizer?.Invoke(c.Optimizer) ?? c.Optimizer,
    };

    [TestMethod]
    public void KtoOnASeparableToyTaskLowersLossAndSeparatesRewards()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var artifacts = TinyRun.Artifacts(model, dir.File("artifacts"), Toy);
        var summary = Train(artifacts, TinyRun.WriteData(dir.File("train.jsonl"), 64), dir.File("run"), Toy);

        var metrics = TinyRun.Metrics(dir.File("run"));
        Assert.AreEqual(30, summary.Steps);
        double first = metrics.Take(5).Average(m => m["loss"]!.Value), last = metrics.TakeLast(5).Average(m => m["loss"]!.Value);
        Assert.IsTrue(last < first - 0.02, $"loss went from {first:F4} to {last:F4}");
        Assert.IsTrue(metrics.TakeLast(5).Average(m => m["rewards/margins"]!.Value) > 0.05, "rewards/margins should end clearly positive");
        Assert.IsTrue(Directory.Exists(dir.File("run/checkpoint-30")), "a checkpoint is written at the end");
    }

    [TestMethod]
    public void KilledAndResumedRunRepeatsTheUninterruptedOne()
    {
        using var dir = new TempFolder();
        // Long enough that the kill lands mid-run even on a loaded machine.
        var config = With(Toy, s => s with { MaxSteps = 40, LearningRate = 5e-3, LrSchedulerType = LearningRateSchedulerType.Linear, WarmupSteps = 2 },
            l => l with { SaveSteps = 3 });
        var model = TinyRun.WriteModel(dir.File("model"));
        var artifacts = TinyRun.Artifacts(model, dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 40);
        var configFile = dir.WriteText("kto.yaml", "learning_rate: 5.0e-3\nper_device_train_batch_size: 8\nmax_steps: 40\nsave_steps: 3\n" +
            "logging_steps: 1\nlr_scheduler_type: linear\nwarmup_steps: 2\nmax_length: 16\nseed: 5\n");
        Train(artifacts, data, dir.File("straight"), config);

        // Kill a separate onnx-kto process once it has written its second checkpoint, then resume in-process.
        var cli = Path.Combine(AppContext.BaseDirectory, "onnx-kto.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cli, "train", "--artifacts", artifacts, "--data", data, "--config", configFile,
            "--output", dir.File("interrupted")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(start)!)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(dir.File("interrupted/checkpoint-6")) && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(120))
                Thread.Sleep(5);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        Assert.IsFalse(Directory.Exists(dir.File("interrupted/checkpoint-40")), "the process was killed before finishing");
        var resumed = new TrainOptions
        {
            Artifacts = artifacts, Data = data, Output = dir.File("interrupted"), Config = config, Resume = true, Threads = 1,
        };
        new Trainer(resumed, _ => { }).Run();

        var expected = TinyRun.Metrics(dir.File("straight"));
        var actual = TinyRun.Metrics(dir.File("interrupted"));
        CollectionAssert.AreEqual(expected.Select(m => m["step"]).ToList(), actual.Select(m => m["step"]).ToList());
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i]["loss"], actual[i]["loss"], $"loss at step {expected[i]["step"]}");
            Assert.AreEqual(expected[i]["learning_rate"], actual[i]["learning_rate"], $"learning rate at step {expected[i]["step"]}");
        }
    }

    [TestMethod]
    [DataRow(LossType.Sft)]
    [DataRow(LossType.ApoZeroUnpaired)]
    public void AccumulatingTwoHalfBatchesEqualsOneFullBatch(LossType loss)
    {
        using var dir = new TempFolder();
        // SGD keeps the update linear in the gradient (Adam's first step, g/(|g|+ε), would amplify rounding noise
        // in gradients that are zero in exact arithmetic, such as the key bias's).
        var config = With(Toy, s => s with { MaxSteps = 1, TrainSamplingStrategy = SamplingStrategy.Sequential }, l => l with { SaveSteps = 1 },
            l => l with { LossType = loss }, o => o with { MaxGradNorm = 0, Kind = OptimizerKind.Sgd });
        var model = TinyRun.WriteModel(dir.File("model"));
        var artifacts = TinyRun.Artifacts(model, dir.File("artifacts"), config);
        // Equal lengths in every row, so the mean over a micro-batch equals the mean over the update.
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 8);
        Train(artifacts, data, dir.File("full"), config);
        Train(artifacts, data, dir.File("accumulated"), With(config, s => s with { PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 2 }));

        var logged = TinyRun.Metrics(dir.File("full"))[0];
        Assert.AreEqual(loss != LossType.Sft, logged.ContainsKey("kl"), "SFT logs no KL estimate");
        Assert.AreEqual(loss != LossType.Sft, logged.ContainsKey("rewards/margins"), "SFT logs no rewards");
        var full = TrainingCheckpoint.Load(dir.File("full/checkpoint-1/checkpoint.safetensors"));
        var accumulated = TrainingCheckpoint.Load(dir.File("accumulated/checkpoint-1/checkpoint.safetensors"));
        foreach (var (name, tensor) in full.Tensors.Where(t => t.Value.Type == OnnxKto.Graphs.DataType.Float))
        {
            var a = tensor.ToFloats();
            var b = accumulated.Tensors[name].ToFloats();
            for (int i = 0; i < a.Length; i++) Assert.AreEqual(a[i], b[i], 1e-6, $"{name}[{i}]");
        }
    }

    [TestMethod]
    public void ReferenceComputedEachStepEqualsThePrecomputedCache()
    {
        using var dir = new TempFolder();
        var config = With(Toy, s => s with { MaxSteps = 4 });
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 32);
        Train(artifacts, data, dir.File("cached"), config);
        Train(artifacts, data, dir.File("live"), With(config, loop: l => l with { PrecomputeRefLogProbs = false }));
        Assert.IsTrue(File.Exists(dir.File("cached/reference_logps.safetensors")));
        Assert.IsFalse(File.Exists(dir.File("live/reference_logps.safetensors")));
        var (a, b) = (TinyRun.Metrics(dir.File("cached")), TinyRun.Metrics(dir.File("live")));
        for (int i = 0; i < a.Count; i++) Assert.AreEqual(a[i]["loss"]!.Value, b[i]["loss"]!.Value, 1e-6, $"step {a[i]["step"]}");
    }

    [TestMethod]
    public void EvaluatesEveryEvalStepsAndKeepsOnlyTheNewestCheckpoints()
    {
        using var dir = new TempFolder();
        var config = With(Toy, s => s with { MaxSteps = 6 }, l => l with { EvalSteps = 3, SaveSteps = 2, SaveTotalLimit = 2 });
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var options = new TrainOptions
        {
            Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("d.jsonl"), 32), EvalData = TinyRun.WriteData(dir.File("e.jsonl"), 16, seed: 9),
            Output = dir.File("run"), Config = config, Threads = 1,
        };
        new Trainer(options, _ => { }).Run();
        var evals = TinyRun.Metrics(dir.File("run")).Where(m => m.ContainsKey("eval_loss")).ToList();
        CollectionAssert.AreEqual(new double?[] { 3, 6 }, evals.Select(m => m["step"]).ToList());
        Assert.IsTrue(evals.All(m => m["eval_count/chosen"] + m["eval_count/rejected"] == 16));
        CollectionAssert.AreEqual(new[] { "checkpoint-4", "checkpoint-6" },
            Directory.GetDirectories(dir.File("run"), "checkpoint-*").Select(Path.GetFileName).Order().ToArray());
    }

    [TestMethod]
    public void NonFiniteUpdatesAreSkippedThenStopTheRunKeepingTheLastGoodCheckpoint()
    {
        using var dir = new TempFolder();
        // An absurd learning rate makes the weights overflow after the first update.
        var config = With(Toy, s => s with { MaxSteps = 10, LearningRate = 1e38 }, l => l with { SaveSteps = 1 },
            l => l with { LossType = LossType.ApoZeroUnpaired }, o => o with { MaxGradNorm = 0 });
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var lines = new List<string>();
        var options = new TrainOptions { Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("d.jsonl"), 32), Output = dir.File("run"), Config = config, Threads = 1 };
        var e = Assert.ThrowsExactly<UserError>(() => new Trainer(options, lines.Add).Run());
        StringAssert.Contains(e.Message, "non-finite");
        Assert.IsTrue(lines.Count(l => l.Contains("skipped")) >= Trainer.MaxConsecutiveNonFinite);
        var kept = Directory.GetDirectories(dir.File("run"), "checkpoint-*").Select(Path.GetFileName).ToList();
        Assert.IsTrue(kept.Count > 0, "the checkpoints written before the failure stay");
        StringAssert.Contains(e.Message, kept.Order().Last()!);
    }

    [TestMethod]
    public void KtoWithBatchOfOneIsRefusedWithTheReason()
    {
        using var dir = new TempFolder();
        var config = With(Toy, s => s with { PerDeviceTrainBatchSize = 1 });
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var e = Assert.ThrowsExactly<UserError>(() => Train(artifacts, TinyRun.WriteData(dir.File("d.jsonl"), 8), dir.File("run"), config));
        StringAssert.Contains(e.Message, "pair an example with itself");
    }

    [TestMethod]
    public void ExistingRunIsNotOverwrittenWithoutConsent()
    {
        using var dir = new TempFolder();
        var config = With(Toy, s => s with { MaxSteps = 2 });
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 16);
        Train(artifacts, data, dir.File("run"), config);
        var before = File.ReadAllText(dir.File("run/metrics.jsonl"));
        var e = Assert.ThrowsExactly<UserError>(() => Train(artifacts, data, dir.File("run"), config));
        StringAssert.Contains(e.Message, "--resume");
        Assert.AreEqual(before, File.ReadAllText(dir.File("run/metrics.jsonl")), "nothing already saved is lost");
    }

    [TestMethod]
    public void ConfigThatContradictsTheArtifactsIsRefused()
    {
        using var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), Toy);
        var e = Assert.ThrowsExactly<UserError>(() =>
            Train(artifacts, TinyRun.WriteData(dir.File("d.jsonl"), 16), dir.File("run"), With(Toy, loss: l => l with { Beta = 0.5 })));
        StringAssert.Contains(e.Message, "beta");
    }

    [TestMethod]
    public void CudaOnACpuBuildFailsFastWithTheFix()
    {
        using var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), Toy);
        var options = new TrainOptions
        {
            Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("d.jsonl"), 16), Output = dir.File("run"), Config = Toy, Device = "cuda",
        };
        if (OnnxKto.Runtime.ExecutionDevice.BuildHasCudaProvider()) Assert.Inconclusive("This build has the CUDA provider.");
        var e = Assert.ThrowsExactly<OnnxKto.Runtime.DeviceUnavailableException>(() => new Trainer(options, _ => { }).Run());
        StringAssert.Contains(e.Message, "GPU=1");
        Assert.IsFalse(Directory.Exists(dir.File("run")), "nothing is created before the device is known to work");
    }

    /// <summary>
    /// fp16 through the whole loop on the CPU: started at a loss scale of 2¹³⁰, beyond float32, the first three updates
    /// overflow (2¹³⁰, 2¹²⁹, 2¹²⁸; the CPU computes float16 products in float32, so only a scale past float32 overflows
    /// here); each is skipped with the GradScaler message and halves the scale, and three in a row do not stop the run as
    /// <see cref="Trainer.MaxConsecutiveNonFinite"/> non-finite losses would; at 2¹²⁷ it trains, and the checkpoint holds
    /// that scale and the good updates since, which a resume reads back (TrainingSessionTests).
    /// </summary>
    [TestMethod]
    public void Fp16OverflowsAreSkippedAndHalveTheScaleWithoutStoppingTheRun()
    {
        using var dir = new TempFolder();
        var config = With(Toy, s => s with { MaxSteps = 6 }, l => l with { SaveSteps = 6 }) with { Precision = new PrecisionSettings { Fp16 = true } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var path = Path.Combine(artifacts, ArtifactNames.Checkpoint);
        var initial = TrainingCheckpoint.Load(path);
        new TrainingCheckpoint(initial.Tensors, initial.Metadata.Concat(new OnnxKto.Training.Session.DynamicLossScaler(Math.Pow(2, 130)).ToMetadata()).ToDictionary())
            .Save(path);
        var lines = new List<string>();
        var options = new TrainOptions { Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("d.jsonl"), 64), Output = dir.File("run"), Config = config, Threads = 1 };

        var summary = new Trainer(options, lines.Add).Run();

        var skipped = lines.Where(l => l.StartsWith("fp16: update ") && l.Contains("skipped: gradients overflowed")).ToList();
        Assert.AreEqual(Trainer.MaxConsecutiveNonFinite, skipped.Count, string.Join("\n", lines));
        Assert.AreEqual(3, summary.Steps, "6 planned updates, 3 skipped: 3 applied (AdamW's step count, as GradScaler's skips leave it)");
        var saved = TrainingCheckpoint.Load(Path.Combine(dir.File("run/checkpoint-6"), ArtifactNames.Checkpoint));
        double scale = double.Parse(saved.Metadata["loss_scale"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.AreEqual(Math.Pow(2, 127), scale, "halved once per skipped update");
        Assert.AreEqual("3", saved.Metadata["loss_scale_good_steps"]);
    }

    private static TrainingSummary Train(string artifacts, string data, string output, KtoConfig config) =>
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = output, Config = config, Threads = 1 }, _ => { }).Run();
}
