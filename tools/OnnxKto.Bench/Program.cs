using OnnxKto.Bench;
using OnnxKto.Models;

// make bench: throughput on this machine, reported against its measured GEMM peak, with eager PyTorch side by side.
if (args.Length == 6 && args[0] == MemoryBench.ChildFlag)
{
    MemoryBench.RunChild(args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), args[5] == "arena");
    return;
}
if (args.Length == 6 && args[0] == ParallelBench.ChildFlag)
{
    ParallelBench.RunChild(args[1], args[2], args[3], int.Parse(args[4]), int.Parse(args[5]));
    return;
}
if (args.Length == 1 && args[0] == "--parallel")   // the data-parallel rows alone
{
    ParallelBench.Run();
    return;
}
if (args.Length == 1 && args[0] == "--generation")   // the decoding rows alone
{
    GenerationBench.Run(ModelSource.Load("preset:gpt2-mini"));
    return;
}
if (args.Length == 1 && args[0] == "--memory")   // the memory rows alone
{
    MemoryBench.Run();
    return;
}
// Another build's onnx-kto for the whole-process rows (make bench BASELINE=<commit> builds one beside this checkout).
var baseline = Environment.GetEnvironmentVariable("ONNXKTO_BASELINE") is { Length: > 0 } other ? other : null;
if (args.Length == 1 && args[0] == "--process")   // issue 29's whole-process rows alone
{
    ProcessBench.Run(GemmPeak.Measure(), baseline);
    return;
}
if (args.Length == 1 && args[0] == "--lora")   // the LoRA rows alone
{
    MemoryBench.RunLora(GemmPeak.Measure());
    return;
}
Console.WriteLine($"OnnxKto benchmarks on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var peak = GemmPeak.Measure();
Console.WriteLine($"GEMM peak (fp32, ORT CPU MatMul): {peak:F1} GFLOP/s");
var gpt2Mini = ModelSource.Load("preset:gpt2-mini");
ForwardBench.Run(gpt2Mini, peak);
GenerationBench.Run(gpt2Mini);

Console.WriteLine();
Console.WriteLine("KTO training step (batch 8 x 128 target tokens + 8 x 128 KL tokens, AdamW):");
Console.WriteLine("| model | s/step | target tokens/s | MFU | minor faults: first step, then per step |");
Console.WriteLine("|---|---|---|---|---|");
var results = new[] { "gpt2-mini", "llama-mini" }.Select(preset => TrainingBench.Run(preset, batch: 8, seq: 128, peak)).ToList();
foreach (var r in results)
    Console.WriteLine($"| {r.Model} | {r.SecondsPerStep:F3} | {r.TokensPerSecond:F0} | {r.Mfu:P1} | {r.FirstStepFaults:N0}, {r.FaultsPerStep:N0} |");

Console.WriteLine();
Console.WriteLine("Same KTO step, GPT-2 E=256 L=4 V=50257, batch 8 x 128, in eager PyTorch on this machine:");
if (TorchComparison.TokensPerSecond("gpt2-mini") is double torch)
    Console.WriteLine($"| OnnxKto {results[0].TokensPerSecond:F0} tokens/s | PyTorch {torch:F0} tokens/s | ratio {results[0].TokensPerSecond / torch:F2}x |");

ProcessBench.Run(peak, baseline);
ParallelBench.Run();
MemoryBench.Run();
MemoryBench.RunLora(peak);
