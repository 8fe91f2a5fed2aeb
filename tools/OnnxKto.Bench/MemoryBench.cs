using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Session;

namespace OnnxKto.Bench;

/// <summary>
/// Peak memory and step time of full fine-tuning on a real model shape (random weights), each configuration in a
/// child process of its own so its peak RSS (VmHWM) is the training's alone: the parent generates the artifacts, the
/// child opens them as <c>train</c> does, computes the reference log-probs once and releases the reference model,
/// then times KTO steps. Eager PyTorch runs the same step in the same run for the side-by-side row.
/// </summary>
internal static class MemoryBench
{
    public const string ChildFlag = "--memory-child";

    /// <summary>SmolLM2-135M's shape: Llama family, untied head, 172M parameters.</summary>
    public static readonly ModelConfig SmolLm2 = new()
    {
        ModelType = "llama", Family = ModelFamily.Llama, VocabSize = 49152, HiddenSize = 576, NumLayers = 30, NumHeads = 9,
        NumKvHeads = 3, HeadDim = 64, IntermediateSize = 1728, MaxPositions = 2048, NormEpsilon = 1e-5, RopeTheta = 100000,
        TieWordEmbeddings = false, BosTokenId = 0, EosTokenId = 0,
    };

    /// <summary>One row of the table.</summary>
    public sealed record Result(string Implementation, string Method, double PeakGiB, double? PlannedGiB, double SecondsPerStep, double TokensPerSecond);

    /// <summary>
    /// Runs OnnxKto and PyTorch on the SmolLM2-135M shape, without and with gradient checkpointing (OnnxKto's head in
    /// 1024-row pieces either way), and prints the table.
    /// </summary>
    public static void Run(int batch = 4, int seq = 256, int steps = 3)
    {
        Console.WriteLine();
        Console.WriteLine($"Peak memory, full fine-tuning, SmolLM2-135M shape (172M parameters), KTO, batch {batch} x {seq}, precomputed reference:");
        Console.WriteLine("| implementation | method | peak RSS (GiB) | planned (GiB) | s/step | target tokens/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var weights = ParameterInitializer.Initialize(ModelBuilders.For(SmolLm2).Build().Parameters, 1);
        foreach (bool checkpointing in new[] { false, true })
        {
            var folder = Path.Combine(Path.GetTempPath(), "onnxkto-bench", checkpointing ? "smollm2-135m-checkpointing" : "smollm2-135m");
            var config = new KtoConfig
            {
                Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = batch, LearningRate = 1e-5 }, Data = new OnnxKto.Data.DataOptions { MaxLength = seq },
                Memory = new MemorySettings { GradientCheckpointing = checkpointing },
            };
            var manifest = ArtifactGenerator.Generate(new ModelSource("bench:smollm2-135m", SmolLm2, weights), config, folder);
            double planned = MemoryPlan.For(manifest, batch, seq, seq - seq / 4, 1, ExecutionDevice.Cpu).TotalBytes / (double)(1L << 30);
            string method = checkpointing ? "full fp32, gradient checkpointing" : "full fp32";
            foreach (var row in new[] { Child(folder, batch, seq, steps, method, planned), Torch(batch, seq, steps, method, checkpointing) })
                if (row is not null)
                    Console.WriteLine($"| {row.Implementation} | {row.Method} | {row.PeakGiB:F2} | {row.PlannedGiB?.ToString("F2") ?? ""} | {row.SecondsPerStep:F2} | {row.TokensPerSecond:F0} |");
        }
    }

    /// <summary>The child's work: train <paramref name="steps"/> steps on the artifacts and print a RESULT line.</summary>
    public static void RunChild(string folder, int batch, int seq, int steps)
    {
        using var session = new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)));
        var rng = new Random(1);
        var examples = Enumerable.Range(0, batch).Select(_ => new OnnxKto.Data.TokenizedExample(
            Enumerable.Range(0, seq / 4).Select(_ => rng.Next(SmolLm2.VocabSize)).ToArray(),
            Enumerable.Range(0, seq - seq / 4).Select(_ => rng.Next(SmolLm2.VocabSize)).ToArray(), rng.Next(2) == 0)).ToList();
        var micro = MicroBatch.Build(examples, Enumerable.Range(0, batch).ToArray(), withKl: true, padId: 0, maxLength: seq);
        var (reference, referenceKl) = session.ComputeReferenceLogps(micro.Target, micro.Kl!, batch);
        session.ReleaseReferenceModel();
        session.SetLearningRate(1e-5);
        var times = new List<double>();
        for (int i = 0; i <= steps; i++)
        {
            var clock = Stopwatch.StartNew();
            session.LazyResetGrad();
            session.TrainStep(micro, reference, referenceKl, 1);
            session.OptimizerStep();
            if (i > 0) times.Add(clock.Elapsed.TotalSeconds);  // step 0 warms up
        }
        double seconds = times.Order().ElementAt(times.Count / 2);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(new { peak_rss_kib = PeakRssKib(), seconds_per_step = seconds }));
    }

    private static Result? Child(string folder, int batch, int seq, int steps, string method, double planned)
    {
        var self = Environment.ProcessPath!;
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(typeof(MemoryBench).Assembly.Location);
        args.AddRange([ChildFlag, folder, batch.ToString(CultureInfo.InvariantCulture), seq.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture)]);
        var json = RunForResult(new ProcessStartInfo(self, args), "OnnxKto");
        if (json is null) return null;
        double seconds = json.Value.GetProperty("seconds_per_step").GetDouble();
        return new Result("OnnxKto", method, json.Value.GetProperty("peak_rss_kib").GetDouble() / (1 << 20), planned, seconds, batch * seq / seconds);
    }

    private static Result? Torch(int batch, int seq, int steps, string method, bool checkpointing)
    {
        string[] extra = ["--batch", batch.ToString(CultureInfo.InvariantCulture), "--seq", seq.ToString(CultureInfo.InvariantCulture)];
        var start = TorchComparison.Start("smollm2-135m", steps, checkpointing ? [.. extra, "--gradient-checkpointing"] : extra);
        var json = start is null ? null : RunForResult(start, "PyTorch");
        if (json is null) return null;
        double seconds = json.Value.GetProperty("step_ms").GetDouble() / 1000;
        return new Result("PyTorch eager", method, json.Value.GetProperty("peak_memory_mib").GetDouble() / 1024, null, seconds, batch * seq / seconds);
    }

    private static JsonElement? RunForResult(ProcessStartInfo start, string who)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var line = stdout.Result.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode == 0 && line is not null) return JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone();
        Console.WriteLine($"{who} memory row did not run (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
        return null;
    }

    // VmHWM: the resident set's high-water mark, in KiB.
    private static long PeakRssKib() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
