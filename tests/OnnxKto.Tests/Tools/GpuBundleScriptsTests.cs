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

    private static string Tools => Path.Combine(RepoPaths.Root, "tools", "gpu");

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

    /// <summary>
    /// device-check.sh's whole H200 sequence against a fake onnx-kto (and no torch, no GPU): the stages run in order,
    /// parity compares the CPU and CUDA runs, the benchmark has fp32, TF32 and bf16 rows with MFU against the H200's
    /// peaks, and the bf16 run's losses are tracked against fp32's (0.001 apart: PASS).
    /// </summary>
    [TestMethod]
    public void Device_check_runs_parity_the_three_precisions_and_bf16_tracking()
    {
        RequirePython();
        using var tmp = new TempFolder();
        var (code, summary, log) = DeviceCheck(tmp, "probe parity bench");

        Assert.AreEqual(0, code, summary);
        StringAssert.Contains(summary, "parity PASS");
        StringAssert.Contains(summary, "track PASS: 20 steps");
        StringAssert.Contains(summary, "| onnx-kto | bf16 | 1,000 |");
        StringAssert.Contains(summary, "of 989 TFLOP/s", "bf16 MFU is against the H200's bf16 peak");
        StringAssert.Contains(summary, "of 495 TFLOP/s");
        Assert.IsFalse(summary.Contains("H100"), summary);
        StringAssert.Contains(log, "artifacts --model preset:gpt2-small --config");
        Assert.AreEqual(2, log.Split('\n').Count(l => l.StartsWith("artifacts --model preset:gpt2-small")), "fp32 and bf16 artifacts");
        Assert.IsFalse(log.Contains("llama3-8b"), "the 7B row is its own call");
    }

    [TestMethod]
    public void Device_check_fails_when_bf16_losses_leave_the_fp32_run()
    {
        RequirePython();
        using var tmp = new TempFolder();
        var (code, summary, _) = DeviceCheck(tmp, "bench", ("FAKE_BF16_OFFSET", "0.2"));

        Assert.AreNotEqual(0, code, summary);
        StringAssert.Contains(summary, "track FAIL");
        StringAssert.Contains(summary, "bf16 tracking FAIL");
    }

    /// <summary>The 7B row passes the LoRA keys through --set to artifacts and train, or says the build lacks them.</summary>
    [TestMethod]
    public void Device_check_runs_the_7b_lora_row_only_with_a_build_that_has_lora()
    {
        RequirePython();
        using var tmp = new TempFolder();
        var (code, summary, log) = DeviceCheck(tmp, "lora7b");
        Assert.AreEqual(0, code, summary);
        StringAssert.Contains(summary, "## 7B-class LoRA");
        StringAssert.Contains(summary, "| onnx-kto | bf16-lora | 1,000 |");
        var lora = "--set use_peft=true --set lora_r=16 --set lora_alpha=32 --set lora_target_modules=all-linear";
        Assert.IsTrue(log.Split('\n').Any(l => l.StartsWith("artifacts --model preset:llama3-8b") && l.Contains(lora)), log);
        Assert.IsTrue(log.Split('\n').Any(l => l.StartsWith("train ") && l.Contains(lora) && l.Contains("--device cuda")), log);

        using var without = new TempFolder();
        var (code2, summary2, log2) = DeviceCheck(without, "lora7b", ("FAKE_NO_LORA", "1"));
        Assert.AreEqual(0, code2, summary2);
        StringAssert.Contains(summary2, "lora7b: SKIPPED: this build does not take the LoRA keys (error: unknown key 'use_peft')");
        Assert.IsFalse(log2.Contains("llama3-8b"));
    }

    [TestMethod]
    public void Report_tracks_bf16_against_fp32_and_counts_mfu_from_the_torch_twin()
    {
        RequirePython();
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("fp32.jsonl"), string.Concat(Enumerable.Range(1, 4).Select(i => $"{{\"step\": {i}, \"loss\": 0.5, \"tokens_per_second\": 100}}\n")));
        File.WriteAllText(tmp.File("bf16.jsonl"), string.Concat(Enumerable.Range(1, 4).Select(i => $"{{\"step\": {i}, \"loss\": {0.5 + 0.04 * i}, \"tokens_per_second\": 200}}\n")));
        // 0.04·i against 2e-2 + 5e-2·0.5 = 0.045: step 1 passes, steps 2-4 fail.
        var track = Bash(tmp, $"python3 {Q(Tools)}/gpu_report.py track fp32.jsonl bf16.jsonl");
        Assert.AreEqual(1, track.Code, track.All);
        StringAssert.Contains(track.Out, "failing steps [2, 3, 4]");

        File.WriteAllText(tmp.File("torch.out"), "RESULT {\"tokens_per_second\": 100, \"flops_per_token\": 4.945e9}\n");
        var bench = Bash(tmp, $"python3 {Q(Tools)}/gpu_report.py bench --skip 0 --onnx bf16-lora=bf16.jsonl --torch bf16-lora=torch.out");
        Assert.AreEqual(0, bench.Code, bench.All);
        StringAssert.Contains(bench.Out, "| onnx-kto | bf16-lora | 200 | 0.1% of 989 TFLOP/s |", "200 tokens/s × 4.945 GFLOP = 0.1% of 989 TFLOP/s");
        StringAssert.Contains(bench.Out, "ratio bf16-lora: onnx-kto / pytorch eager = 2.00x");

        File.WriteAllText(tmp.File("memory.txt"), "1024\n70312\n69000\n");
        StringAssert.Contains(Bash(tmp, $"python3 {Q(Tools)}/gpu_report.py peakmem run=memory.txt").Out, "| run | 70,312 |");
    }

    [TestMethod]
    public void Gpu_scripts_are_for_the_h200_and_the_torch_twin_has_bf16_and_the_7b_shape()
    {
        foreach (var file in Directory.GetFiles(Tools).Where(f => f.EndsWith(".sh") || f.EndsWith(".py") || f.EndsWith(".md")))
        {
            var text = File.ReadAllText(file);
            Assert.IsFalse(text.Contains("H100 SXM dense") || text.Contains("on an H100"), $"{Path.GetFileName(file)} still targets the H100");
        }
        var twin = File.ReadAllText(Path.Combine(Tools, "torch_kto_step.py"));
        StringAssert.Contains(twin, "torch.autocast(dev.type, dtype=torch.bfloat16");
        StringAssert.Contains(twin, "\"llama3-8b\": (32, 32, 8, 4096, 14336, 128256, 8, 1024)");
        Assert.AreEqual(0, Bash(null, $"bash -n {Q(Tools)}/device-check.sh").Code);
    }

    private const string FakeOnnxKto = """
        #!/usr/bin/env bash
        # A stand-in for onnx-kto in GpuBundleScriptsTests: logs its arguments to $FAKE_LOG, makes the folders the device check
        # expects, and writes metrics.jsonl losses 0.5 - 0.001·step, plus FAKE_BF16_OFFSET (default 0.001) for bf16 artifacts.
        echo "$*" >>"$FAKE_LOG"
        cmd="$1"; shift
        arg() { local want="$1"; shift; while (($#)); do [[ "$1" == "$want" ]] && { echo "$2"; return; }; shift; done; }
        case "$cmd" in
          device) echo "fake device: cuda ok" ;;
          artifacts)
            if [[ " $* " == *" use_peft=true "* && -n "${FAKE_NO_LORA:-}" ]]; then echo "error: unknown key 'use_peft'" >&2; exit 1; fi
            out="$(arg --out "$@")"; config="$(arg --config "$@")"
            mkdir -p "$out"
            grep -q '^bf16: true' "$config" && echo "${FAKE_BF16_OFFSET:-0.001}" >"$out/offset" || echo 0 >"$out/offset"
            sed -n 's/^max_steps: //p' "$config" >"$out/steps" ;;
          train)
            [[ " $* " == *" --help "* ]] && { echo "--artifacts --data --config --output --device --tf32"; exit 0; }
            art="$(arg --artifacts "$@")"; out="$(arg --output "$@")"
            mkdir -p "$out"
            for ((i = 1; i <= $(cat "$art/steps"); i++)); do
              echo "{\"step\": $i, \"loss\": $(awk "BEGIN { print 0.5 - 0.001 * $i + $(cat "$art/offset") }"), \"tokens_per_second\": 1000}" >>"$out/metrics.jsonl"
            done ;;
          *) echo "fake onnx-kto: unknown command $cmd" >&2; exit 1 ;;
        esac
        """;

    // device-check.sh with STAGES on the fake onnx-kto above, no torch (SKIP_TORCH) and an nvidia-smi that prints nothing.
    private static (int Code, string Summary, string Log) DeviceCheck(TempFolder tmp, string stages, params (string Name, string Value)[] env)
    {
        var bin = tmp.File("bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "onnx-kto"), FakeOnnxKto.Replace("\r\n", "\n") + "\n");
        File.WriteAllText(Path.Combine(bin, "nvidia-smi"), "#!/bin/sh\nexit 0\n");
        var r = Bash(tmp, $"chmod +x bin/*; PATH={Q(bin)}:$PATH bash {Q(Tools)}/device-check.sh",
            [("OUT", tmp.File("out")), ("ONNX_KTO", Path.Combine(bin, "onnx-kto")), ("FAKE_LOG", tmp.File("calls.log")), ("SKIP_TORCH", "1"),
             ("STAGES", stages), .. env]);
        var summary = File.Exists(tmp.File("out/summary.md")) ? File.ReadAllText(tmp.File("out/summary.md")) : r.All;
        return (r.Code, summary + (r.Code == 0 ? "" : "\n" + r.All), File.Exists(tmp.File("calls.log")) ? File.ReadAllText(tmp.File("calls.log")) : "");
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
