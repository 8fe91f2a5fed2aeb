using System.Diagnostics;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;

namespace OnnxKto.Bench;

/// <summary>
/// Forward throughput of the training-side graph (no cache) for preset gpt2-mini (E=256, L=4, V=50257), batch 8 × 128
/// tokens, weights frozen in: tokens/s and model FLOPs utilisation against the measured GEMM peak.
/// </summary>
internal static class ForwardBench
{
    public static void Run(ModelSource source, double peakGflops)
    {
        const int batch = 8, seq = 128;
        var graph = GraphFreezing.Freeze(ModelBuilders.For(source.Config).Build().Graph, source.Weights);
        using var session = new OnnxSession(graph, threads: Environment.ProcessorCount);
        var random = new Random(1);
        var feeds = new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromLongs([batch, seq], Enumerable.Range(0, batch * seq).Select(_ => (long)random.Next(source.Config.VocabSize)).ToArray()),
            ["attention_mask"] = TensorData.FromLongs([batch, seq], Enumerable.Repeat(1L, batch * seq).ToArray()),
        };
        session.Run(feeds); // warm-up
        const int reps = 3;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) session.Run(feeds);
        double seconds = clock.Elapsed.TotalSeconds / reps;
        double gflops = ForwardFlops(source.Config, seq) * batch * seq / seconds / 1e9;
        Console.WriteLine($"forward {source.Spec}, batch {batch} x {seq}: {seconds * 1e3:F0} ms, {batch * seq / seconds:F0} tokens/s, {gflops:F1} GFLOP/s ({100 * gflops / peakGflops:F0}% of GEMM peak)");
    }

    /// <summary>Matmul FLOPs per token: 2·(4E² attention projections + 2·E·I MLP) per layer, 2·2·T·E for scores and mixing, 2·E·V head.</summary>
    public static double ForwardFlops(ModelConfig c, int seq) =>
        c.NumLayers * 2.0 * (4.0 * c.HiddenSize * c.HiddenSize + 2.0 * c.HiddenSize * c.IntermediateSize + 2.0 * seq * c.HiddenSize)
        + 2.0 * c.HiddenSize * c.VocabSize;
}
