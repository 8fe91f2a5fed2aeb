using System.Diagnostics;
using OnnxKto.Models;
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
    public sealed record Result(string Model, double TokensPerSecond, double Mfu, double SecondsPerStep);

    public static Result Run(string preset, int batch, int seq, double peakGflops, int steps = 5)
    {
        var folder = Path.Combine(Path.GetTempPath(), "onnxkto-bench", preset);
        var source = ModelSource.Load("preset:" + preset);
        var config = new KtoConfig
        {
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = batch, LearningRate = 1e-5 }, Data = new OnnxKto.Data.DataOptions { MaxLength = seq },
        };
        ArtifactGenerator.Generate(source, config, folder);
        var lookupOnly = new[] { "transformer.wpe.weight", source.Config.TieWordEmbeddings ? "" : "model.embed_tokens.weight" };
        long parameters = source.Weights.Where(w => !lookupOnly.Contains(w.Key)).Sum(w => w.Value.ElementCount);

        var rng = new Random(1);
        var examples = Enumerable.Range(0, batch).Select(_ => new OnnxKto.Data.TokenizedExample(
            Enumerable.Range(0, seq / 4).Select(_ => rng.Next(source.Config.VocabSize)).ToArray(),
            Enumerable.Range(0, seq - seq / 4).Select(_ => rng.Next(source.Config.VocabSize)).ToArray(), rng.Next(2) == 0)).ToList();
        var micro = MicroBatch.Build(examples, Enumerable.Range(0, batch).ToArray(), withKl: true, padId: 0, maxLength: seq);
        var reference = Enumerable.Repeat(-100f, batch).ToArray();

        using var session = new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)));
        session.SetLearningRate(1e-5);
        void Step()
        {
            session.LazyResetGrad();
            session.TrainStep(micro, reference, reference, 1);
            session.OptimizerStep();
        }
        Step(); // warm-up: session initialisation and first allocations
        // The median step: this machine shares its cores, and one slow step should not decide the number.
        var times = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            Step();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        double seconds = times.Order().ElementAt(times.Count / 2);
        double tokens = batch * seq;
        double flops = 6.0 * parameters * tokens + 2.0 * parameters * tokens;
        return new Result(preset, tokens / seconds, flops / seconds / 1e9 / peakGflops, seconds);
    }
}
