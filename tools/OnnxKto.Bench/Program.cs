using OnnxKto.Bench;
using OnnxKto.Models;

// make bench: each benchmark prints its own table; later ones report against the measured GEMM peak.
Console.WriteLine($"OnnxKto benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var peak = GemmPeak.Measure();
Console.WriteLine($"GEMM peak (fp32, ORT CPU MatMul): {peak:F1} GFLOP/s");
var gpt2Mini = ModelSource.Load("preset:gpt2-mini");
ForwardBench.Run(gpt2Mini, peak);
GenerationBench.Run(gpt2Mini);
