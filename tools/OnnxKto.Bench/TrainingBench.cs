using System.Diagnostics;
using OnnxKto.Models;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Session;

namespace OnnxKto.Bench;

/// <summary>
/// KTO training throughput of a preset on ORT CPU: one micro-batch of batch × seq target tokens plus the same number
/// of KL tokens per update (forward + backward + AdamW). Model FLOPs: 6·N per target token (forward and backward)
/// plus 2·N per KL token (forward only), N = parameters that multiply activations (embedding tables are looked up,
/// not multiplied, unless tied to the output head); utilisation is against the measured GEMM peak.
/// </summary>
internal static class TrainingBench
{
    /// <param name="FirstStepFaults">Minor page faults of the first (warm-up) step.</param>
    /// <param name="FaultsPerStep">Minor page faults per timed step: with the arena the buffers are reused, so far fewer than the first step's.</param>
    public sealed record Result(string Model, double TokensPerSecond, double Mfu, double SecondsPerStep, long FirstStepFaults, long FaultsPerStep);

    /// <summary>Parameters that multiply activations: all but lookup-only embedding tables (position, and the untied input embedding).</summary>
    public static long MatmulParameters(ModelSource source)
    {
        var lookupOnly = new[] { "transformer.wpe.weight", source.Config.TieWordEmbeddings ? "" : "model.embed_tokens.weight" };
        return source.Weights.Where(w => !lookupOnly.Contains(w.Key)).Sum(w => w.Value.ElementCount);
    }

    public static Result Run(string preset, int batch, int seq, double peakGflops, int steps = 5)
    {
        var folder = Path.Combine(Path.GetTempPath(), "onnxkto-bench", preset);
        var source = ModelSource.Load("preset:" + preset);
        var config = new KtoConfig
        {
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = batch, LearningRate = 1e-5 }, Data = new OnnxKto.Data.DataOptions { MaxLength = seq },
        };
        ArtifactGenerator.Generate(source, config, folder);
        long parameters = MatmulParameters(source);

        var rng = new Random(1);
        var examples = Enumerable.Range(0, batch).Select(_ => new OnnxKto.Data.TokenizedExample(
            Enumerable.Range(0, seq / 4).Select(_ => rng.Next(source.Config.VocabSize)).ToArray(),
            Enumerable.Range(0, seq - seq / 4).Select(_ => rng.Next(source.Config.VocabSize)).ToArray(), rng.Next(2) == 0)).ToList();
        var micro = MicroBatch.Build(examples, Enumerable.Range(0, batch).ToArray(), withKl: true, padId: 0, maxLength: seq);
        var reference = Enumerable.Repeat(-100f, batch).ToArray();

        // The arena, as train's memory_arena: auto chooses for these shapes on any machine with a few GiB free.
        using var session = new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)), ExecutionDevice.Cpu,
            new DeviceSessionSettings { CpuMemoryArena = true });
        session.SetLearningRate(1e-5);
        void Step()
        {
            session.LazyResetGrad();
            session.TrainStep(micro, reference, reference, 1);
            session.OptimizerStep();
        }
        long faults = MinorFaults();
        Step(); // warm-up: session initialisation and first allocations
        long firstStepFaults = MinorFaults() - faults;
        faults = MinorFaults();
        // The median step: this machine shares its cores, and one slow step should not decide the number.
        var times = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            Step();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        long faultsPerStep = (MinorFaults() - faults) / steps;
        double seconds = times.Order().ElementAt(times.Count / 2);
        double tokens = batch * seq;
        double flops = 6.0 * parameters * tokens + 2.0 * parameters * tokens;
        return new Result(preset, tokens / seconds, flops / seconds / 1e9 / peakGflops, seconds, firstStepFaults, faultsPerStep);
    }

    // Field 10 of /proc/self/stat: minor faults of the process so far (the command name, field 2, has no spaces here).
    private static long MinorFaults() => long.Parse(File.ReadAllText("/proc/self/stat").Split(' ')[9], System.Globalization.CultureInfo.InvariantCulture);
}
