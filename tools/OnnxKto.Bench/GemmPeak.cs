using System.Diagnostics;
using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Bench;

/// <summary>
/// This machine's fp32 matrix-multiply peak through ONNX Runtime: square MatMuls of a few sizes, best sustained
/// rate. Model FLOPs utilisation elsewhere is reported against this number.
/// </summary>
internal static class GemmPeak
{
    public static double Measure()
    {
        Console.WriteLine("| n | ms per MatMul | GFLOP/s |");
        Console.WriteLine("|---|---|---|");
        double best = 0;
        foreach (int n in new[] { 512, 1024, 2048 })
        {
            var g = new Graph("gemm");
            var b = new GraphBuilder(g);
            var a = g.AddInput("a", DataType.Float, new Shape(n, n));
            var w = g.AddInitializer("w", TensorData.FromFloats([n, n], Filled(n * n, 0.5f)));
            g.AddOutput(b.MatMul(a, w));
            using var session = new OnnxSession(g, threads: Environment.ProcessorCount);
            var feeds = new Dictionary<string, TensorData> { ["a"] = TensorData.FromFloats([n, n], Filled(n * n, 0.25f)) };
            session.Run(feeds); // warm-up
            int reps = Math.Max(3, (int)(4e9 / (2.0 * n * n * n)));
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) session.Run(feeds);
            double seconds = clock.Elapsed.TotalSeconds / reps;
            double gflops = 2.0 * n * n * n / seconds / 1e9;
            best = Math.Max(best, gflops);
            Console.WriteLine($"| {n} | {seconds * 1e3:F2} | {gflops:F1} |");
        }
        return best;
    }

    private static float[] Filled(int count, float value) => Enumerable.Repeat(value, count).ToArray();
}
