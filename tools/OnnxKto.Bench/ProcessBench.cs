using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxKto.Models;

namespace OnnxKto.Bench;

/// <summary>
/// Issue 29's workload as whole processes, the way a user meets it: <c>onnx-kto train</c> on <c>preset:gpt2-mini</c>
/// (GPT-2 E=256, 4 layers, vocabulary 50257), batch 8 x 128 with the KL pass, precomputed reference, AdamW, 20 updates,
/// each run under <c>/usr/bin/time -v</c> (wall, peak RSS, minor page faults, user and system CPU). This build's
/// <c>bin/onnx-kto</c> and, when given, another build's (e.g. the first wave's, <c>make bench BASELINE=910c896</c>)
/// run alternately on the same data, then eager PyTorch runs the same 20 steps in one process.
/// </summary>
internal static class ProcessBench
{
    private const int Batch = 8, Seq = 128;

    /// <summary>One whole-process run.</summary>
    /// <param name="TokensPerSecond">Target tokens/s of the median update from the third on (the first two grow the buffers).</param>
    public sealed record Result(string Build, double WallSeconds, double TokensPerSecond, double PeakGiB, long MinorFaults, double UserSeconds, double SystemSeconds);

    /// <summary>Runs and prints the table; <paramref name="baseline"/> is another build's onnx-kto executable, or null.</summary>
    public static void Run(double peakGflops, string? baseline, int steps = 20, int rounds = 2)
    {
        Console.WriteLine();
        Console.WriteLine($"Issue 29's workload, whole `onnx-kto train` processes: GPT-2 E=256 L=4 V=50257, batch {Batch} x {Seq} + KL, " +
            $"precomputed reference, AdamW, {steps} updates (runs alternate):");
        if (!File.Exists("/usr/bin/time"))
        {
            Console.WriteLine("skipped: /usr/bin/time not found (make bench installs Debian's time).");
            return;
        }
        var work = Path.Combine(Path.GetTempPath(), "onnxkto-bench", "process");
        Directory.CreateDirectory(work);
        var data = WriteData(Path.Combine(work, "data.jsonl"), Batch * steps);
        var config = Path.Combine(work, "kto.yaml");
        File.WriteAllText(config, $"per_device_train_batch_size: {Batch}\nmax_length: {Seq}\nmax_prompt_length: 32\nmax_steps: {steps}\n" +
            "logging_steps: 1\nsave_steps: 100000\nlearning_rate: 1.0e-5\n");
        var builds = new List<(string Name, string Executable)> { ("OnnxKto, this build", Path.Combine(TorchComparison.RepositoryRoot(), "bin", "onnx-kto")) };
        if (baseline is not null) builds.Add(($"OnnxKto, {Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(baseline)))}", baseline));
        foreach (var (name, exe) in builds)
            if (!File.Exists(exe))
            {
                Console.WriteLine($"skipped: {exe} not found ({name}; make bench builds it).");
                return;
            }
        var artifacts = builds.Select((b, i) => Path.Combine(work, $"artifacts-{i}")).ToList();
        for (int i = 0; i < builds.Count; i++)
            Exec(builds[i].Executable, ["artifacts", "--model", "preset:gpt2-mini", "--config", config, "--out", artifacts[i]], builds[i].Name + " artifacts");

        double flopsPerToken = 8.0 * TrainingBench.MatmulParameters(ModelSource.Load("preset:gpt2-mini"));  // 6N target + 2N KL
        Console.WriteLine("| run | wall (s) | target tokens/s | % of GEMM peak | peak RSS (GiB) | minor faults | user / sys CPU (s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        void Print(Result r) => Console.WriteLine(
            $"| {r.Build} | {r.WallSeconds:F1} | {r.TokensPerSecond:F0} | {100 * r.TokensPerSecond * flopsPerToken / 1e9 / peakGflops:F0}% | {r.PeakGiB:F2} | " +
            $"{r.MinorFaults / 1e6:F2} M | {r.UserSeconds:F1} / {r.SystemSeconds:F1} |");
        var ours = new List<Result>();
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < builds.Count; i++)
            {
                var r = Train(builds[i].Name, builds[i].Executable, artifacts[i], data, config, Path.Combine(work, $"run-{i}"));
                if (r is null) continue;
                Print(r);
                if (i == 0) ours.Add(r);
            }
        if (TorchWholeProcess(steps) is { } torch)
        {
            Print(torch);
            if (ours.Count > 0)
                Console.WriteLine($"OnnxKto vs eager PyTorch, same run: {ours.Average(r => r.WallSeconds):F1} s vs {torch.WallSeconds:F1} s whole process " +
                    $"({torch.WallSeconds / ours.Average(r => r.WallSeconds):F2}x), {ours.Average(r => r.TokensPerSecond) / torch.TokensPerSecond:F2}x the steady tokens/s");
        }
    }

    private static Result? Train(string name, string exe, string artifacts, string data, string config, string output)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var usage = Timed(new ProcessStartInfo(exe, ["train", "--artifacts", artifacts, "--data", data, "--config", config, "--output", output]), name);
        if (usage is null) return null;
        // train logs target + KL tokens per second; the KL rows are as many as the target rows.
        var steady = File.ReadLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(m => m.TryGetProperty("tokens_per_second", out _)).Skip(2)
            .Select(m => m.GetProperty("tokens_per_second").GetDouble() / 2).Order().ToList();
        return usage.Value.Result with { Build = name, TokensPerSecond = steady[steady.Count / 2] };
    }

    /// <summary>The same updates in one eager PyTorch process (one warm-up step and steps − 1 timed ones).</summary>
    private static Result? TorchWholeProcess(int steps)
    {
        var start = TorchComparison.Start("gpt2-mini", steps - 1);
        var usage = start is null ? null : Timed(start, "PyTorch");
        if (usage is null) return null;
        var line = usage.Value.Stdout.Split('\n').First(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        var tokens = JsonDocument.Parse(line["RESULT ".Length..]).RootElement.GetProperty("tokens_per_second").GetDouble();
        return usage.Value.Result with { Build = "PyTorch 1.13 eager (OpenBLAS)", TokensPerSecond = tokens };
    }

    /// <summary>Runs <paramref name="start"/> under <c>/usr/bin/time -v</c>: its wall, peak RSS, minor faults, CPU times and standard output.</summary>
    private static (Result Result, string Stdout)? Timed(ProcessStartInfo start, string what)
    {
        var usage = Path.Combine(Path.GetTempPath(), "onnxkto-bench", "process", "time.txt");
        var timed = new ProcessStartInfo("/usr/bin/time", ["-v", "-o", usage, start.FileName, .. start.ArgumentList])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in start.Environment.Keys.Except(timed.Environment.Keys).ToList()) timed.Environment[name] = start.Environment[name];
        foreach (var name in timed.Environment.Keys.Except(start.Environment.Keys).ToList()) timed.Environment.Remove(name);
        using var process = Process.Start(timed)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"{what} failed (exit {process.ExitCode}): {(stderr.Result + stdout.Result).Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        var lines = File.ReadAllLines(usage).Select(l => l.Trim()).ToList();
        string Field(string prefix) => lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal))[(prefix.Length + 1)..].Trim();
        double Number(string prefix) => double.Parse(Field(prefix), CultureInfo.InvariantCulture);
        var wall = Field("Elapsed (wall clock) time (h:mm:ss or m:ss):").Split(':').Aggregate(0.0, (s, part) => s * 60 + double.Parse(part, CultureInfo.InvariantCulture));
        return (new Result(what, wall, 0, Number("Maximum resident set size (kbytes):") / (1 << 20), (long)Number("Minor (reclaiming a frame) page faults:"),
            Number("User time (seconds):"), Number("System time (seconds):")), stdout.Result);
    }

    private static bool Exec(string exe, string[] args, string what)
    {
        var start = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode == 0) return true;
        Console.WriteLine($"{what} failed (exit {process.ExitCode}): {(stderr.Result + stdout.Result).Trim().Split('\n').LastOrDefault()}");
        return false;
    }

    // Rows of words from a small list: prompts over 32 tokens and completions over 96, so every row is cut to 32 + 96.
    private static string WriteData(string path, int rows)
    {
        var words = "the of and to in is was for on that with as by at from his her it an were are which this be or has had not but".Split(' ');
        var rng = new Random(1);
        string Text(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[rng.Next(words.Length)]));
        File.WriteAllLines(path, Enumerable.Range(0, rows).Select(i =>
            JsonSerializer.Serialize(new { prompt = Text(60), completion = Text(200), label = i % 2 == 0 })));
        return path;
    }
}
