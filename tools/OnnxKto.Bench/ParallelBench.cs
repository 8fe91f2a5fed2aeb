using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Losses;

namespace OnnxKto.Bench;

/// <summary>
/// Data parallelism on this machine: the same KTO run (gpt2-mini, global batch 8 × 64 tokens) as one process with 1
/// and 2 intra-op threads, and as 2 Open MPI ranks of 1 thread with 4 examples each, through the real training loop
/// (<c>train</c>'s Trainer, in a child process per run). Reports tokens/s (target + KL tokens of all ranks) and, for
/// the ranks, the bytes and seconds of each update's gradient all-reduce, as the loop logs them.
/// </summary>
internal static class ParallelBench
{
    public const string ChildFlag = "--parallel-child";
    private const int GlobalBatch = 8, Seq = 64, Steps = 6;

    public static void Run()
    {
        Console.WriteLine();
        Console.WriteLine($"Data parallel KTO, gpt2-mini, global batch {GlobalBatch} x {Seq} tokens, {Steps} updates (median of updates 2..{Steps}):");
        var folder = Path.Combine(Path.GetTempPath(), "onnxkto-bench", "parallel");
        Directory.CreateDirectory(folder);
        var artifacts = Path.Combine(folder, "artifacts");
        ArtifactGenerator.Generate(ModelSource.Load("preset:gpt2-mini"), Config(GlobalBatch), artifacts);
        var data = WriteData(Path.Combine(folder, "train.jsonl"), 4 * GlobalBatch, vocab: 50257);
        Console.WriteLine("| layout | tokens/s | all-reduce per update | all-reduce s/update |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (layout, ranks, threads) in new[] { ("1 process, 1 thread", 1, 1), ("1 process, 2 threads", 1, 2), ("2 MPI ranks x 1 thread", 2, 1) })
        {
            var run = Path.Combine(folder, $"run-{ranks}x{threads}");
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
            var args = new List<string>();
            var self = Environment.ProcessPath!;
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(typeof(ParallelBench).Assembly.Location);
            args.AddRange([ChildFlag, artifacts, data, run, threads.ToString(CultureInfo.InvariantCulture), (GlobalBatch / ranks).ToString(CultureInfo.InvariantCulture)]);
            var start = ranks == 1 ? new ProcessStartInfo(self, args)
                : new ProcessStartInfo("mpirun", ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl_vader_single_copy_mechanism", "none",
                    "-np", ranks.ToString(CultureInfo.InvariantCulture), self, .. args]);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"| {layout} | did not run (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()} | | |");
                continue;
            }
            var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(m => m.TryGetProperty("step", out var s) && s.GetDouble() > 1).ToList();
            double Median(string key) => steps.Select(m => m.GetProperty(key).GetDouble()).Order().ElementAt(steps.Count / 2);
            bool reduced = steps[0].TryGetProperty("ddp/allreduce_bytes", out _);
            Console.WriteLine($"| {layout} | {Median("tokens_per_second"):F0} | " +
                $"{(reduced ? $"{Median("ddp/allreduce_bytes") / (1 << 20):F1} MiB" : "")} | {(reduced ? $"{Median("ddp/allreduce_seconds"):F3}" : "")} |");
        }
    }

    /// <summary>One run of the loop, as each rank (or the single process) executes it.</summary>
    public static void RunChild(string artifacts, string data, string run, int threads, int perDevice) =>
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = run, Config = Config(perDevice), Threads = threads }, _ => { }).Run();

    private static KtoConfig Config(int perDevice) => new()
    {
        Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = perDevice, MaxSteps = Steps, LearningRate = 1e-5, TrainSamplingStrategy = SamplingStrategy.Sequential },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1000 },
        Data = new OnnxKto.Data.DataOptions { MaxLength = Seq },
        Loss = new LossSettings { LossType = LossType.Kto },
    };

    private static string WriteData(string path, int rows, int vocab)
    {
        var rng = new Random(1);
        File.WriteAllLines(path, Enumerable.Range(0, rows).Select(_ => JsonSerializer.Serialize(new
        {
            prompt_ids = Enumerable.Range(0, Seq / 4).Select(_ => rng.Next(vocab)).ToArray(),
            completion_ids = Enumerable.Range(0, Seq - Seq / 4).Select(_ => rng.Next(vocab)).ToArray(),
            label = rng.Next(2) == 0,
        })));
        return path;
    }
}
