using OnnxKto.Bench;

// make bench: each benchmark prints its own table; later ones report against the measured GEMM peak.
Console.WriteLine($"OnnxKto benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var peak = GemmPeak.Measure();
Console.WriteLine($"GEMM peak (fp32, ORT CPU MatMul): {peak:F1} GFLOP/s");
Console.WriteLine();
Console.WriteLine("KTO training step (batch 8 x 128 target tokens + 8 x 128 KL tokens, AdamW):");
Console.WriteLine("| model | s/step | target tokens/s | MFU |");
Console.WriteLine("|---|---|---|---|");
foreach (var preset in new[] { "gpt2-mini", "llama-mini" })
{
    var r = TrainingBenchmark.Run(preset, batch: 8, seq: 128, peak);
    Console.WriteLine($"| {r.Model} | {r.SecondsPerStep:F3} | {r.TokensPerSecond:F0} | {r.Mfu:P1} |");
}
