using System.Diagnostics;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Tools;

/// <summary>
/// tools/gpu's shell scripts on fake trees: the CUDA library search (pip wheels, torch/lib, a CUDA_HOME), the packing
/// into parts, and run-on-gpu.sh's reassembly, checks and messages, so they are proven before a GPU machine sees them.
/// </summary>
[TestClass]
public sealed class GpuBundleScriptsTests
{
    private static readonly string[] Required = ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10"];

    private static string Tools => Path.Combine(RepositoryFolders.Root(), "tools", "gpu");

    [TestMethod]
    public void Finds_the_cuda_13_libraries_in_python_wheels_and_torch_lib()
    {
        RequirePython();
        using var tmp = new TempFolder();
        var cu13 = Touch(tmp, "site/nvidia/cu13/lib", Required);
        var cudnn = Touch(tmp, "site/torch/lib", "libcudnn.so.9");

        var r = Bash(tmp, $"{Q(Tools)}/run-on-gpu.sh --check-libs", ("PYTHONPATH", tmp.File("site")));

        Assert.AreEqual(0, r.Code, r.All);
        StringAssert.Contains(r.Out, $"LD_LIBRARY_PATH={cu13}:{cudnn}");
        StringAssert.Contains(r.Err, $"libcublasLt.so.13 -> {cu13}");
    }

    [TestMethod]
    public void Finds_libraries_spread_over_per_package_wheel_folders()
    {
        RequirePython();
        using var tmp = new TempFolder();
        var runtime = Touch(tmp, "site/nvidia/cuda_runtime/lib", "libcudart.so.13");
        var cublas = Touch(tmp, "site/nvidia/cublas/lib", "libcublas.so.13", "libcublasLt.so.13");
        var curand = Touch(tmp, "site/nvidia/curand/lib", "libcurand.so.10");

        var r = Bash(tmp, $"bash {Q(Tools)}/find-cuda-libs.sh", ("PYTHONPATH", tmp.File("site")));

        Assert.AreEqual(0, r.Code, r.All);
        foreach (var dir in new[] { runtime, cublas, curand }) StringAssert.Contains(r.Out, dir);
        StringAssert.Contains(r.Err, "libcudnn.so.9 not found (optional");
    }

    [TestMethod]
    public void Finds_a_system_cuda_through_cuda_home()
    {
        using var tmp = new TempFolder();
        var lib64 = Touch(tmp, "cuda-13.0/lib64", Required);

        var r = Bash(tmp, $"bash {Q(Tools)}/find-cuda-libs.sh", ("CUDA_HOME", tmp.File("cuda-13.0")), ("PYTHON", "false"));

        Assert.AreEqual(0, r.Code, r.All);
        StringAssert.Contains(r.Out, lib64);
    }

    [TestMethod]
    public void Names_the_missing_library_and_how_to_fix_it()
    {
        using var tmp = new TempFolder();
        Touch(tmp, "cuda/lib64", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13");

        var r = Bash(tmp, $"{Q(Tools)}/run-on-gpu.sh --check-libs", ("CUDA_HOME", tmp.File("cuda")), ("PYTHON", "false"));

        Assert.AreEqual(3, r.Code, r.All);
        StringAssert.Contains(r.Err, "CUDA 13 runtime library missing: libcurand.so.10");
        StringAssert.Contains(r.Err, "HINT");
        StringAssert.Contains(r.Err, "CUDA_LIB_DIRS");
        Assert.IsFalse(r.Err.Contains("MISSING libcudart"), r.Err);
    }

    [TestMethod]
    [DataRow("gzip")]
    [DataRow("zstd")]
    public void Packs_into_parts_then_reassembles_unpacks_once_and_runs_with_the_libraries_set(string compression)
    {
        if (compression == "zstd" && Bash(null, "command -v zstd").Code != 0) Assert.Inconclusive("zstd is not installed here.");
        using var tmp = new TempFolder();
        var bundle = FakeBundle(tmp, compression);
        var lib = Touch(tmp, "cuda/lib64", Required);
        (string, string)[] env = [("CUDA_HOME", tmp.File("cuda")), ("PYTHON", "false")];

        var first = Bash(tmp, $"{Q(bundle)}/run-on-gpu.sh onnx-kto device --device cuda", env);
        var second = Bash(tmp, $"{Q(bundle)}/run-on-gpu.sh -- onnx-kto train --device cuda", env);

        Assert.AreEqual(0, first.Code, first.All);
        StringAssert.Contains(first.Err, "unpacking");
        StringAssert.Contains(first.Out, "fake onnx-kto: device --device cuda");
        StringAssert.Contains(first.Out, $"LD_LIBRARY_PATH={lib}");
        Assert.AreEqual(0, second.Code, second.All);
        Assert.IsFalse(second.Err.Contains("unpacking"), "unpacked twice: " + second.Err);
        StringAssert.Contains(second.Out, "fake onnx-kto: train --device cuda");
    }

    [TestMethod]
    public void A_missing_or_damaged_part_is_named_before_anything_runs()
    {
        using var tmp = new TempFolder();
        var bundle = FakeBundle(tmp, "gzip");
        var parts = Directory.GetFiles(bundle, "onnx-kto.tar.gz.part-*").Order().ToArray();
        Assert.IsTrue(parts.Length >= 3, $"expected several parts, got {parts.Length}");

        File.Move(parts[1], parts[1] + ".away");
        var missing = Bash(tmp, $"{Q(bundle)}/run-on-gpu.sh true", ("CUDA_LIBS_NO_SYSTEM", "1"));
        File.Move(parts[1] + ".away", parts[1]);
        File.AppendAllText(parts[2], "x");
        var damaged = Bash(tmp, $"{Q(bundle)}/run-on-gpu.sh true", ("CUDA_LIBS_NO_SYSTEM", "1"));

        Assert.AreEqual(2, missing.Code, missing.All);
        StringAssert.Contains(missing.Err, $"missing in {bundle}: {Path.GetFileName(parts[1])}");
        Assert.AreEqual(2, damaged.Code, damaged.All);
        StringAssert.Contains(damaged.Err, "damaged");
    }

    [TestMethod]
    public void Parts_are_at_most_the_part_size()
    {
        using var tmp = new TempFolder();
        var bundle = FakeBundle(tmp, "gzip");

        var manifest = File.ReadAllText(Path.Combine(bundle, "bundle.manifest"));
        var parts = Directory.GetFiles(bundle, "*.part-*");

        StringAssert.Contains(manifest, $"parts={parts.Length}");
        Assert.IsTrue(parts.All(p => new FileInfo(p).Length <= 4096), string.Join(", ", parts.Select(p => new FileInfo(p).Length)));
    }

    // A bundle like make gpu-bundle's, with a shell script for onnx-kto and incompressible filler, in 4 KiB parts.
    private static string FakeBundle(TempFolder tmp, string compression)
    {
        var program = tmp.File("stage/onnx-kto");
        Directory.CreateDirectory(program);
        File.WriteAllText(Path.Combine(program, "onnx-kto"), "#!/bin/sh\necho \"fake onnx-kto: $*\"\necho \"LD_LIBRARY_PATH=$LD_LIBRARY_PATH\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(program, "onnx-kto"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var filler = new byte[12_000];
        new Random(7).NextBytes(filler);
        File.WriteAllBytes(Path.Combine(program, "libonnxruntime_providers_cuda.so"), filler);
        var bundle = tmp.File("gpu-bundle");
        var r = Bash(tmp, $"bash {Q(Tools)}/pack-bundle.sh {Q(tmp.File("stage"))} {Q(bundle)} onnx-kto && cp {Q(Tools)}/run-on-gpu.sh {Q(Tools)}/find-cuda-libs.sh {Q(bundle)}/",
            ("BUNDLE_COMPRESSION", compression), ("BUNDLE_PART_SIZE", "4K"));
        Assert.AreEqual(0, r.Code, r.All);
        return bundle;
    }

    private static string Touch(TempFolder tmp, string folder, params string[] names)
    {
        var dir = tmp.File(folder);
        Directory.CreateDirectory(dir);
        foreach (var name in names) File.WriteAllText(Path.Combine(dir, name), "");
        return Path.GetFullPath(dir);
    }

    private static void RequirePython()
    {
        if (Bash(null, "command -v python3").Code != 0) Assert.Inconclusive("python3 is not installed here.");
    }

    private static string Q(string path) => "'" + path.Replace("'", "'\\''") + "'";

    private sealed record Result(int Code, string Out, string Err)
    {
        public string All => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    // Runs a bash command line, isolated from this machine's own CUDA folders and ldconfig.
    private static Result Bash(TempFolder? cwd, string command, params (string Name, string Value)[] env)
    {
        var start = new ProcessStartInfo("bash", ["-c", command])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = cwd?.Path ?? Path.GetTempPath(),
        };
        start.Environment["CUDA_LIBS_NO_SYSTEM"] = "1";
        foreach (var name in new[] { "CUDA_HOME", "CUDA_LIB_DIRS", "LD_LIBRARY_PATH", "PYTHONPATH" }) start.Environment.Remove(name);
        foreach (var (name, value) in env) start.Environment[name] = value;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail($"timed out: {command}"); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
