using System.Diagnostics;
using System.Text;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Runs the built CLI as an Open MPI job: <c>mpirun -np N dotnet exec onnx-kto.dll ...</c>, as root and on more ranks
/// than cores where need be (CI). A missing mpirun fails the test, saying what installs it.
/// </summary>
internal static class MpiJob
{
    /// <summary>The variable marking the job's processes, so a test can find one rank's process.</summary>
    public const string Marker = "ONNXKTO_TEST_JOB";

    /// <summary>mpirun's path.</summary>
    public static string Mpirun()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "mpirun")).FirstOrDefault(File.Exists);
        if (found is null)
            Assert.Fail("mpirun is not installed: `make test` installs Open MPI (Debian's openmpi-bin and libopenmpi-dev) before running the tests.");
        return found!;
    }

    /// <summary>Starts <paramref name="ranks"/> ranks of <c>onnx-kto</c> with <paramref name="args"/>, output collected into <paramref name="output"/>.</summary>
    public static Process Start(int ranks, IEnumerable<string> args, StringBuilder output, string marker)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "onnx-kto.dll");
        var start = new ProcessStartInfo(Mpirun(), ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
            "--mca", "btl_vader_single_copy_mechanism", "none", "-np", ranks.ToString(), "dotnet", "exec", cli, .. args])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment[Marker] = marker;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the job to the end and fails the test if it fails; returns its output.</summary>
    public static string Run(int ranks, params string[] args)
    {
        var output = new StringBuilder();
        using var process = Start(ranks, args, output, Guid.NewGuid().ToString("N"));
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the {ranks}-rank job did not finish in 5 minutes:\n{output}");
        }
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"the {ranks}-rank job failed:\n{output}");
        return output.ToString();
    }

    /// <summary>The process id of rank <paramref name="rank"/> of the job marked <paramref name="marker"/>, or null while it has not started.</summary>
    public static int? RankProcess(string marker, int rank)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string environ;
            try { environ = File.ReadAllText(Path.Combine(dir, "environ")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            var variables = environ.Split('\0');
            if (variables.Contains($"{Marker}={marker}") && variables.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
        }
        return null;
    }
}
