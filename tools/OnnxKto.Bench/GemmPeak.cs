using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Bench;

/// <summary>
/// This machine's fp32 matrix-multiply peak through ONNX Runtime: square MatMuls of a few sizes with inputs and
/// outputs bound once (no copies), best sustained rate. Model FLOPs utilisation is reported against this number.
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
            var w = g.AddInput("w", DataType.Float, new Shape(n, n));
            b.Output(b.MatMul(a, w), "y");
            using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
            using var session = new InferenceSession(OnnxModelFile.ToBytes(g), options);
            using var binding = session.CreateIoBinding();
            var values = new[] { "a", "w", "y" }.Select(_ => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(0.5f, n * n).ToArray(), [n, n])).ToArray();
            binding.BindInput("a", values[0]);
            binding.BindInput("w", values[1]);
            binding.BindOutput("y", values[2]);
            using var run = new RunOptions();
            session.RunWithBinding(run, binding); // warm-up
            int reps = Math.Max(3, (int)(3e9 / (2.0 * n * n * n)));
            double fastest = double.MaxValue;
            for (int trial = 0; trial < 3; trial++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < reps; i++) session.RunWithBinding(run, binding);
                fastest = Math.Min(fastest, clock.Elapsed.TotalSeconds / reps);
            }
            double gflops = 2.0 * n * n * n / fastest / 1e9;
            best = Math.Max(best, gflops);
            Console.WriteLine($"| {n} | {fastest * 1e3:F2} | {gflops:F1} |");
            foreach (var v in values) v.Dispose();
        }
        return best;
    }
}
