using System.Diagnostics;
using System.Text;
using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Parallel;

/// <summary>
/// Two Open MPI ranks of the CLI against one process: the same trajectory for the losses without a KL estimate, the
/// TRL-averaged KL for kto, exact resume, and a stopped rank named within the timeout. Each test launches
/// <c>mpirun -np 2</c> with one intra-op thread per rank on the tiny model.
/// </summary>
[TestClass]
public sealed class DataParallelTests
{
    // SGD keeps the update linear in the gradient, so float32 reduction-order differences stay at rounding level.
    private static KtoConfig Config(LossType loss, int perDevice, int steps = 2) => new()
    {
        Schedule = new ScheduleSettings
        {
            LearningRate = 0.5, PerDeviceTrainBatchSize = perDevice, MaxSteps = steps, LrSchedulerType = LearningRateSchedulerType.Constant,
            TrainSamplingStrategy = SamplingStrategy.Sequential,
        },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1, DdpTimeout = 60 },
        Data = new DataOptions { MaxLength = 16, Seed = 5 },
        Loss = new LossSettings { LossType = loss },
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, MaxGradNorm = 0 },
    };

    private sealed record Job(TempFolder Dir, string Artifacts, string Data);

    private static Job Prepare(LossType loss, int rows = 16)
    {
        var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), Config(loss, 8));
        return new Job(dir, artifacts, loss == LossType.Dpo ? WritePairs(dir.File("pairs.jsonl"), rows) : TinyRun.WriteData(dir.File("train.jsonl"), rows));
    }

    // Preference pairs on the tiny model's letter tokenizer: prompts "ad", "bd", "cd", chosen and rejected drawn from "e", "f", "ef".
    private static string WritePairs(string path, int rows)
    {
        var rng = new Random(11);
        string[] answers = ["e", "f", "ef"];
        using var writer = new StreamWriter(path);
        for (int i = 0; i < rows; i++)
        {
            int chosen = rng.Next(3), rejected = (chosen + 1 + rng.Next(2)) % 3;
            writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { prompt = "abc"[rng.Next(3)] + "d", chosen = answers[chosen], rejected = answers[rejected] }));
        }
        return path;
    }

    // Metrics that measure the machine, not the trajectory.
    private static bool Measured(string key) => key.StartsWith("ddp/") || key == "tokens_per_second";

    private static void AssertSameMetrics(List<Dictionary<string, double?>> expected, List<Dictionary<string, double?>> actual, double tolerance)
    {
        Assert.AreEqual(expected.Count, actual.Count, "metric lines");
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEquivalent(expected[i].Keys.Where(k => !Measured(k)).ToList(), actual[i].Keys.Where(k => !Measured(k)).ToList(),
                $"metric names at line {i + 1}");
            foreach (var (key, value) in expected[i].Where(m => !Measured(m.Key)))
                Assert.AreEqual(value!.Value, actual[i][key]!.Value, tolerance * Math.Max(1, Math.Abs(value.Value)), $"{key} at line {i + 1}");
        }
    }

    private static string[] TrainArgs(Job job, KtoConfig config, string run, params string[] extra) =>
        ["train", "--artifacts", job.Artifacts, "--data", job.Data, "--config", job.Dir.WriteText($"{Path.GetFileName(run)}.yaml", KtoConfigWriter.ToYaml(config)),
         "--output", run, "--threads", "1", .. extra];

    private static void TrainInProcess(Job job, KtoConfig config, string run) =>
        new Trainer(new TrainOptions { Artifacts = job.Artifacts, Data = job.Data, Output = run, Config = config, Threads = 1 }, _ => { }).Run();

    [TestMethod]
    [DataRow(LossType.Sft)]
    [DataRow(LossType.ApoZeroUnpaired)]
    public void TwoRanksOfFourEqualOneProcessOfEight(LossType loss)
    {
        var job = Prepare(loss);
        using var dir = job.Dir;
        TrainInProcess(job, Config(loss, 8), dir.File("one"));
        var output = MpiJob.Run(2, TrainArgs(job, Config(loss, 4), dir.File("two")));
        StringAssert.Contains(output, "data parallel: 2 ranks (Open MPI)");

        var (one, two) = (TinyRun.Metrics(dir.File("one")), TinyRun.Metrics(dir.File("two")));
        Assert.AreEqual(2, two.Count, "rank 0 alone logs, once per update");
        for (int i = 0; i < one.Count; i++)
        {
            Assert.AreEqual(one[i]["loss"]!.Value, two[i]["loss"]!.Value, 1e-6, $"loss at step {i + 1}");
            Assert.AreEqual(one[i]["count/chosen"], two[i]["count/chosen"], "the ranks' counts are summed");
            Assert.IsTrue(two[i]["ddp/allreduce_bytes"] > 0, "the all-reduce is measured");
        }
        AssertSameWeights(dir.File("one/checkpoint-2"), dir.File("two/checkpoint-2"), 1e-5);
    }

    /// <summary>
    /// dpo's pair counts (<c>rewards/accuracies</c>) and bco's <c>delta</c> are summed over the ranks like every other
    /// metric, and bco's running reward mean δ is gathered across ranks as TRL's <c>RunningMoments</c> does, so two
    /// ranks of four log and train exactly what one process of eight does.
    /// </summary>
    [TestMethod]
    [DataRow(LossType.Dpo)]
    [DataRow(LossType.Bco)]
    public void TwoRanksOfFourLogEveryMetricOfOneProcessOfEight(LossType loss)
    {
        var job = Prepare(loss, rows: 24);
        using var dir = job.Dir;
        var config = Config(loss, 8, steps: 3);
        TrainInProcess(job, config, dir.File("one"));
        MpiJob.Run(2, TrainArgs(job, Config(loss, 4, steps: 3), dir.File("two")));

        var (one, two) = (TinyRun.Metrics(dir.File("one")), TinyRun.Metrics(dir.File("two")));
        // After the first update the watched metric is one that a sum over one rank would get wrong.
        if (loss == LossType.Dpo) Assert.IsTrue(one.Skip(1).Any(m => m["rewards/accuracies"] is > 0 and < 1), "rewards/accuracies is neither 0 nor 1");
        else Assert.IsTrue(one.Skip(1).All(m => Math.Abs(m["delta"]!.Value) > 1e-4), "delta is not 0");
        AssertSameMetrics(one, two, 1e-5);
        AssertSameWeights(dir.File("one/checkpoint-3"), dir.File("two/checkpoint-3"), 1e-5);
    }

    /// <summary>bco's δ is the same on every rank and checkpointed: a 2-rank run resumed from its middle repeats the uninterrupted one.</summary>
    [TestMethod]
    public void ResumedTwoRankBcoRunRepeatsTheUninterruptedOne()
    {
        var job = Prepare(LossType.Bco, rows: 32);
        using var dir = job.Dir;
        var config = Config(LossType.Bco, 4, steps: 4) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 2, DdpTimeout = 60 } };
        MpiJob.Run(2, TrainArgs(job, config, dir.File("straight")));
        Directory.CreateDirectory(dir.File("resumed/checkpoint-2"));
        File.Copy(dir.File("straight/checkpoint-2/checkpoint.safetensors"), dir.File("resumed/checkpoint-2/checkpoint.safetensors"));
        File.Copy(dir.File("straight/metrics.jsonl"), dir.File("resumed/metrics.jsonl"));
        StringAssert.Contains(MpiJob.Run(2, TrainArgs(job, config, dir.File("resumed"), "--resume")), "resuming from");

        AssertSameMetrics(TinyRun.Metrics(dir.File("straight")), TinyRun.Metrics(dir.File("resumed")), 0);
        AssertSameWeights(dir.File("straight/checkpoint-4"), dir.File("resumed/checkpoint-4"), 0);
    }

    [TestMethod]
    public void KtoKlIsTheAverageOfEachRanksEstimateClampedAfterwards()
    {
        var job = Prepare(LossType.Kto);
        using var dir = job.Dir;
        MpiJob.Run(2, TrainArgs(job, Config(LossType.Kto, 4), dir.File("two")));
        var logged = TinyRun.Metrics(dir.File("two"))[1];  // update 2, the first with policy ≠ reference

        // Independently, in float64: update 2 takes examples 8..15, rank 0 the first four, rank 1 the rest; within each
        // rank's slice prompt i meets completion i−1 (wrapping). z0 = max(0, mean over ranks of each rank's mean KL).
        var examples = File.ReadAllLines(job.Data).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (Prompt: e.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
                Completion: e.GetProperty("completion_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray(), Label: e.GetProperty("label").GetBoolean()))
            .ToArray();
        var policy = Weights(dir.File("two/checkpoint-1/checkpoint.safetensors"));
        var reference = Weights(Path.Combine(job.Artifacts, ArtifactNames.Checkpoint));
        var perRank = new List<double>();
        var logRatios = new List<(double R, bool Label)>();
        foreach (var slice in new[] { Enumerable.Range(8, 4).ToArray(), Enumerable.Range(12, 4).ToArray() })
        {
            double kl = 0;
            for (int row = 0; row < 4; row++)
            {
                var (p, _, label) = examples[slice[row]];
                var borrowed = examples[slice[(row + 3) % 4]].Completion;
                kl += LogProb(policy, p, borrowed) - LogProb(reference, p, borrowed);
                var own = examples[slice[row]].Completion;
                logRatios.Add((LogProb(policy, p, own) - LogProb(reference, p, own), label));
            }
            perRank.Add(kl / 4);
        }
        Assert.IsTrue(Math.Abs(perRank[0] - perRank[1]) > 1e-4, $"the ranks' estimates differ ({perRank[0]}, {perRank[1]}), so averaging shows");
        double z0 = Math.Max(0, perRank.Average());
        Assert.AreEqual(z0, logged["kl"]!.Value, 1e-5, "kl at update 2");
        // TRL's kto loss with that z0 (β 0.1, λ 1), each rank's mean averaged: the mean over the 8 rows.
        double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        double loss = logRatios.Average(x => x.Label ? 1 - Sigmoid(0.1 * (x.R - z0)) : 1 - Sigmoid(0.1 * (z0 - x.R)));
        Assert.AreEqual(loss, logged["loss"]!.Value, 1e-5, "loss at update 2");
    }

    [TestMethod]
    public void ResumedTwoRankRunRepeatsTheUninterruptedOneAndOneProcessCanContinueIt()
    {
        var job = Prepare(LossType.ApoZeroUnpaired);
        using var dir = job.Dir;
        var config = Config(LossType.ApoZeroUnpaired, 4, steps: 4) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 2, DdpTimeout = 60 } };
        MpiJob.Run(2, TrainArgs(job, config, dir.File("straight")));
        // The interrupted run: the straight one as it stood at its checkpoint of update 2 (later lines are dropped on resume).
        Directory.CreateDirectory(dir.File("resumed/checkpoint-2"));
        File.Copy(dir.File("straight/checkpoint-2/checkpoint.safetensors"), dir.File("resumed/checkpoint-2/checkpoint.safetensors"));
        File.Copy(dir.File("straight/metrics.jsonl"), dir.File("resumed/metrics.jsonl"));
        var output = MpiJob.Run(2, TrainArgs(job, config, dir.File("resumed"), "--resume"));
        StringAssert.Contains(output, "resuming from");

        var (straight, resumed) = (TinyRun.Metrics(dir.File("straight")), TinyRun.Metrics(dir.File("resumed")));
        CollectionAssert.AreEqual(straight.Select(m => m["step"]).ToList(), resumed.Select(m => m["step"]).ToList());
        for (int i = 0; i < straight.Count; i++) Assert.AreEqual(straight[i]["loss"], resumed[i]["loss"], $"loss at step {straight[i]["step"]}");
        AssertSameWeights(dir.File("straight/checkpoint-4"), dir.File("resumed/checkpoint-4"), 0);

        // One process resumes the 2-rank checkpoint just as well with the same global batch (8 per device x 1 rank).
        Directory.CreateDirectory(dir.File("alone/checkpoint-2"));
        File.Copy(dir.File("straight/checkpoint-2/checkpoint.safetensors"), dir.File("alone/checkpoint-2/checkpoint.safetensors"));
        var alone = config with { Schedule = config.Schedule with { PerDeviceTrainBatchSize = 8 } };
        new Trainer(new TrainOptions { Artifacts = job.Artifacts, Data = job.Data, Output = dir.File("alone"), Config = alone, Resume = true, Threads = 1 }, _ => { }).Run();
        var single = TinyRun.Metrics(dir.File("alone"));
        CollectionAssert.AreEqual(new double?[] { 3, 4 }, single.Select(m => m["step"]).ToList());
        for (int i = 0; i < 2; i++) Assert.AreEqual(straight[i + 2]["loss"]!.Value, single[i]["loss"]!.Value, 1e-6, $"loss at step {i + 3}");
        AssertSameWeights(dir.File("straight/checkpoint-4"), dir.File("alone/checkpoint-4"), 1e-5);
    }

    // STOP: the rank hangs, and the other names it after ddp_timeout; KILL: the rank dies, and mpirun (or the timeout) names it.
    [TestMethod]
    [DataRow("STOP")]
    [DataRow("KILL")]
    public void ARankThatHangsOrDiesIsNamedAndTheJobStopsWithinTheTimeout(string signal)
    {
        var job = Prepare(LossType.Sft, rows: 64);
        using var dir = job.Dir;
        var config = Config(LossType.Sft, 4, steps: 1000) with { Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1, DdpTimeout = 5 } };
        var output = new StringBuilder();
        string marker = Guid.NewGuid().ToString("N");
        using var process = MpiJob.Start(2, TrainArgs(job, config, dir.File("run")), output, marker);
        var clock = Stopwatch.StartNew();
        while (!Directory.Exists(dir.File("run/checkpoint-2")) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(10);
        var rank1 = MpiJob.RankProcess(marker, 1);
        Assert.IsNotNull(rank1, $"rank 1 is running:\n{output}");
        Process.Start("kill", [$"-{signal}", rank1.Value.ToString()])!.WaitForExit();
        clock.Restart();
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(60));
        if (!exited) process.Kill(entireProcessTree: true);
        try { Process.GetProcessById(rank1.Value).Kill(); }  // a stopped rank, if the job left it
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        Assert.IsTrue(exited, $"the job stops by itself:\n{output}");
        Assert.AreNotEqual(0, process.ExitCode);
        if (signal == "STOP") StringAssert.Contains(output.ToString(), "rank(s) 1 of 2 did not arrive within ddp_timeout (5 s)");
        else StringAssert.Matches(output.ToString(), new System.Text.RegularExpressions.Regex(@"process rank 1 |rank\(s\) 1 of 2 did not arrive"));
        Assert.IsFalse(Directory.Exists(dir.File("run/checkpoint-1000")));
    }

    private static Dictionary<string, double[]> Weights(string file) =>
        TrainingCheckpoint.Load(file).Tensors.Where(t => t.Value.Type == DataType.Float).ToDictionary(t => t.Key, t => t.Value.ToDoublesWidened());

    private static double LogProb(Dictionary<string, double[]> w, long[] prompt, long[] completion) =>
        ReferenceTransformer.SequenceLogProb(TinyRun.Config, w, prompt, completion);

    private static void AssertSameWeights(string expectedFolder, string actualFolder, double tolerance)
    {
        var expected = Weights(Path.Combine(expectedFolder, ArtifactNames.Checkpoint));
        var actual = Weights(Path.Combine(actualFolder, ArtifactNames.Checkpoint));
        foreach (var (name, a) in expected)
            for (int i = 0; i < a.Length; i++) Assert.AreEqual(a[i], actual[name][i], tolerance, $"{name}[{i}]");
    }
}
