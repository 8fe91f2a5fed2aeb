using System.Diagnostics;
using System.Text.Json;

namespace OnnxKto.Bench;

/// <summary>
/// The same KTO step in eager PyTorch on this machine (tools/gpu/torch_kto_step.py, Debian's python3-torch with
/// OpenBLAS). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the PyTorch process only, so OpenBLAS picks
/// this processor's own kernels.
/// </summary>
internal static class TorchComparison
{
    public const string Python = "/usr/bin/python3";

    /// <summary>PyTorch's tokens/s for the shape, or null (with the reason printed) when it cannot run.</summary>
    public static double? TokensPerSecond(string shape, int steps = 5)
    {
        var start = Start(shape, steps);
        if (start is null) return null;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var result = stdout.Result.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || result is null)
        {
            Console.WriteLine($"PyTorch comparison did not run (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        return JsonDocument.Parse(result["RESULT ".Length..]).RootElement.GetProperty("tokens_per_second").GetDouble();
    }

    /// <summary>The PyTorch step's process for <paramref name="shape"/>, or null (with the reason printed) without Python and torch.</summary>
    public static ProcessStartInfo? Start(string shape, int steps, params string[] extra)
    {
        if (!File.Exists(Python))
        {
            Console.WriteLine($"PyTorch comparison skipped: {Python} not found (make bench installs python3-torch).");
            return null;
        }
        var script = Path.Combine(RepositoryRoot(), "tools", "gpu", "torch_kto_step.py");
        var start = new ProcessStartInfo(Python,
            [script, "--device", "cpu", "--shape", shape, "--steps", steps.ToString(), "--warmup", "1", "--attention", "manual", .. extra]);
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        return start;
    }

    /// <summary>The checkout this bench runs from (the folder holding OnnxKto.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnnxKto.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
