using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Lora;
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

    /// <summary>Qwen2.5-0.5B's shape: q/k/v biases, tied head, 151,936-token vocabulary, 494M parameters.</summary>
    public static readonly ModelConfig Qwen25Half = new()
    {
        ModelType = "qwen2", Family = ModelFamily.Llama, VocabSize = 151936, HiddenSize = 896, NumLayers = 24, NumHeads = 14,
        NumKvHeads = 2, HeadDim = 64, IntermediateSize = 4864, MaxPositions = 32768, NormEpsilon = 1e-6, RopeTheta = 1e6,
        TieWordEmbeddings = true, AttentionBias = true, BosTokenId = 0, EosTokenId = 0,
    };

    /// <summary>One row of the table.</summary>
    public sealed record Result(string Implementation, string Method, double PeakGiB, double? PlannedGiB, double SecondsPerStep, double TokensPerSecond);

    /// <summary>
    /// Runs OnnxKto (without and with ORT's CPU arena) and PyTorch on the SmolLM2-135M shape, without and with gradient
    /// checkpointing (OnnxKto's head budget 1024 rows: the batch's 4 x 256 rows are one piece), and prints the table.
    /// </summary>
    public static void Run(int batch = 4, int seq = 256, int steps = 3)
    {
        Console.WriteLine();
        Console.WriteLine($"Peak memory, full fine-tuning, SmolLM2-135M shape (172M parameters), KTO, batch {batch} x {seq}, precomputed reference:");
        PrintHeader("");
        foreach (bool checkpointing in new[] { false, true })
        {
            var config = new KtoConfig
            {
                Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = batch, LearningRate = 1e-5 }, Data = new OnnxKto.Data.DataOptions { MaxLength = seq },
                Memory = new MemorySettings { GradientCheckpointing = checkpointing },
            };
            string method = checkpointing ? "full fp32, gradient checkpointing" : "full fp32";
            string[] torch = checkpointing ? ["--gradient-checkpointing"] : [];
            foreach (var row in Rows("smollm2-135m", SmolLm2, config, method, steps, torch, arenas: [false, true]))
                Console.WriteLine($"| {row.Implementation} | {row.Method} | {row.PeakGiB:F2} | {row.PlannedGiB?.ToString("F2") ?? ""} | {row.SecondsPerStep:F2} | {row.TokensPerSecond:F0} |");
        }
    }

    /// <summary>
    /// LoRA on the Qwen2.5-0.5B shape (r 16, α 32, all linear layers, gradient checkpointing), the rows issue 14 asks
    /// for; model FLOPs per step are 4·N per trained token (no weight gradients for the frozen base) plus 2·N per KL
    /// token, N the parameters that multiply activations (the tied head included), against the GEMM peak.
    /// </summary>
    public static void RunLora(double peakGflops, int batch = 4, int seq = 512, int steps = 2)
    {
        Console.WriteLine();
        Console.WriteLine($"LoRA r=16 α=32 on all linear layers, Qwen2.5-0.5B shape (494M parameters), KTO, batch {batch} x {seq}, gradient checkpointing:");
        PrintHeader(" MFU |");
        var config = new KtoConfig
        {
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = batch, LearningRate = 1e-4 }, Data = new OnnxKto.Data.DataOptions { MaxLength = seq },
            Memory = new MemorySettings { GradientCheckpointing = true },
            Lora = new LoraSettings { UsePeft = true, R = 16, Alpha = 32, TargetModules = [LoraSettings.AllLinear] },
        };
        var c = Qwen25Half;
        long matmulParameters = (long)c.NumLayers * (2L * c.HiddenSize * c.HiddenSize + 2L * c.HiddenSize * c.HeadDim * c.NumKvHeads
            + 3L * c.HiddenSize * c.IntermediateSize) + (long)c.HiddenSize * c.VocabSize;
        double flopsPerToken = 6.0 * matmulParameters;
        // The base in float32 (PyTorch's row beside it), then in bfloat16 (base_dtype), OnnxKto only.
        var rows = Rows("qwen2.5-0.5b", c, config, "LoRA r16, fp32, checkpointing", steps, ["--lora", "16", "--gradient-checkpointing"], arenas: [false])
            .Concat(Rows("qwen2.5-0.5b", c, config with { Lora = config.Lora with { BaseDtype = BaseDtype.BFloat16 } },
                "LoRA r16, bf16 base, fp32 compute, checkpointing", steps, torchFlags: null, arenas: [false]));
        foreach (var row in rows)
            Console.WriteLine($"| {row.Implementation} | {row.Method} | {row.PeakGiB:F2} | {row.PlannedGiB?.ToString("F2") ?? ""} | {row.SecondsPerStep:F2} | " +
                $"{row.TokensPerSecond:F0} | {row.TokensPerSecond * flopsPerToken / 1e9 / peakGflops:P1} |");
    }

    private static void PrintHeader(string extra)
    {
        Console.WriteLine("| implementation | method | peak RSS (GiB) | planned (GiB) | s/step | target tokens/s |" + extra);
        Console.WriteLine("|---|---|---|---|---|---|" + (extra.Length > 0 ? "---|" : ""));
    }

    /// <summary>
    /// OnnxKto (a child process on generated artifacts, once per <c>memory_arena</c> setting in <paramref name="arenas"/>)
    /// and PyTorch eager (<paramref name="torchFlags"/>; null: no PyTorch row) on one configuration.
    /// </summary>
    private static IEnumerable<Result> Rows(string shape, ModelConfig model, KtoConfig config, string method, int steps, string[]? torchFlags, bool[] arenas)
    {
        int batch = config.Schedule.PerDeviceTrainBatchSize, seq = config.Data.MaxLength!.Value;
        var folder = Path.Combine(Path.GetTempPath(), "onnxkto-bench", shape + "-" + method.Replace(' ', '-').Replace(",", ""));
        var manifest = ArtifactGenerator.Generate(
            new ModelSource("bench:" + shape, model, ParameterInitializer.Initialize(ModelBuilders.For(model).Build().Parameters, 1)), config, folder);
        GC.Collect();  // the random weights are in the artifacts' checkpoint now
        double Planned(bool arena) => MemoryPlan.For(manifest, batch, seq, seq - seq / 4, 1, ExecutionDevice.Cpu, arena).TotalBytes / (double)(1L << 30);
        var rows = arenas.Select(arena => Child(folder, batch, seq, steps, $"{method}, memory_arena: {(arena ? "true" : "false")}", Planned(arena), arena))
            .Append(torchFlags is null ? null : Torch(shape, batch, seq, steps, method, torchFlags));
        foreach (var row in rows)
            if (row is not null) yield return row;
    }

    /// <summary>The child's work: train <paramref name="steps"/> steps on the artifacts (with ORT's CPU arena or not) and print a RESULT line.</summary>
    public static void RunChild(string folder, int batch, int seq, int steps, bool arena)
    {
        int vocab = ArtifactManifest.Load(folder).ModelConfig.VocabSize;
        using var session = new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)), ExecutionDevice.Cpu,
            new DeviceSessionSettings { CpuMemoryArena = arena });
        var rng = new Random(1);
        var examples = Enumerable.Range(0, batch).Select(_ => new OnnxKto.Data.TokenizedExample(
            Enumerable.Range(0, seq / 4).Select(_ => rng.Next(vocab)).ToArray(),
            Enumerable.Range(0, seq - seq / 4).Select(_ => rng.Next(vocab)).ToArray(), rng.Next(2) == 0)).ToList();
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

    private static Result? Child(string folder, int batch, int seq, int steps, string method, double planned, bool arena)
    {
        var self = Environment.ProcessPath!;
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(typeof(MemoryBench).Assembly.Location);
        args.AddRange([ChildFlag, folder, batch.ToString(CultureInfo.InvariantCulture), seq.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture), arena ? "arena" : "lean"]);
        var json = RunForResult(new ProcessStartInfo(self, args), "OnnxKto");
        if (json is null) return null;
        double seconds = json.Value.GetProperty("seconds_per_step").GetDouble();
        return new Result("OnnxKto", method, json.Value.GetProperty("peak_rss_kib").GetDouble() / (1 << 20), planned, seconds, batch * seq / seconds);
    }

    private static Result? Torch(string shape, int batch, int seq, int steps, string method, string[] flags)
    {
        var start = TorchComparison.Start(shape, steps, ["--batch", batch.ToString(CultureInfo.InvariantCulture), "--seq", seq.ToString(CultureInfo.InvariantCulture), .. flags]);
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
