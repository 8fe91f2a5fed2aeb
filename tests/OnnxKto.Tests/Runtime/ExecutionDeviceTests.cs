using Microsoft.ML.OnnxRuntime;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Runtime;

[TestClass]
public sealed class ExecutionDeviceTests
{
    [TestMethod]
    [DataRow("cpu", DeviceKind.Cpu, 0, "cpu")]
    [DataRow(" CPU ", DeviceKind.Cpu, 0, "cpu")]
    [DataRow("cuda", DeviceKind.Cuda, 0, "cuda:0")]
    [DataRow("gpu", DeviceKind.Cuda, 0, "cuda:0")]
    [DataRow("cuda:0", DeviceKind.Cuda, 0, "cuda:0")]
    [DataRow("CUDA:3", DeviceKind.Cuda, 3, "cuda:3")]
    public void Parse_accepts_cpu_cuda_and_cuda_with_an_id(string text, DeviceKind kind, int id, string canonical)
    {
        var device = ExecutionDevice.Parse(text);

        Assert.AreEqual(kind, device.Kind);
        Assert.AreEqual(id, device.DeviceId);
        Assert.AreEqual(canonical, device.ToString());
        Assert.AreEqual(device, ExecutionDevice.Parse(device.ToString()));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("tpu")]
    [DataRow("cuda:")]
    [DataRow("cuda:-1")]
    [DataRow("cuda:x")]
    [DataRow("cuda:1:2")]
    [DataRow("cuda 1")]
    [DataRow("cpu:0")]
    public void Parse_rejects_anything_else_quoting_the_value_and_the_accepted_forms(string text)
    {
        var e = Assert.ThrowsExactly<UserError>(() => ExecutionDevice.Parse(text));

        StringAssert.Contains(e.Message, $"'{text}'");
        StringAssert.Contains(e.Message, "'cpu'");
        StringAssert.Contains(e.Message, "'cuda:N'");
    }

    [TestMethod]
    public void Cpu_options_optimize_everything_and_use_the_given_threads_or_every_core()
    {
        using var given = ExecutionDevice.Cpu.CreateSessionOptions(new DeviceSessionSettings { IntraOpThreads = 3 });
        using var defaults = ExecutionDevice.Cpu.CreateSessionOptions();
        using var unoptimized = ExecutionDevice.Cpu.CreateSessionOptions(new DeviceSessionSettings { OptimizeGraph = false });

        Assert.AreEqual(GraphOptimizationLevel.ORT_ENABLE_ALL, given.GraphOptimizationLevel);
        Assert.AreEqual(3, given.IntraOpNumThreads);
        Assert.AreEqual(Environment.ProcessorCount, defaults.IntraOpNumThreads);
        Assert.AreEqual(GraphOptimizationLevel.ORT_DISABLE_ALL, unoptimized.GraphOptimizationLevel);
    }

    [TestMethod]
    public void The_cpu_arena_comes_without_the_memory_pattern_whose_block_lives_outside_it()
    {
        using var arena = ExecutionDevice.Cpu.CreateSessionOptions(new DeviceSessionSettings { CpuMemoryArena = true });
        using var lean = ExecutionDevice.Cpu.CreateSessionOptions(new DeviceSessionSettings { CpuMemoryArena = false });

        Assert.IsTrue(arena.EnableCpuMemArena);
        Assert.IsFalse(arena.EnableMemoryPattern);
        Assert.IsFalse(lean.EnableCpuMemArena);
        Assert.IsTrue(lean.EnableMemoryPattern);
    }

    [TestMethod]
    public void Cpu_memory_is_cpu_memory_the_caller_may_dispose()
    {
        using (var memory = ExecutionDevice.Cpu.CreateMemoryInfo())
        {
            Assert.AreEqual(OrtMemoryInfo.DefaultInstance.Name, memory.Name);
            Assert.AreNotSame(OrtMemoryInfo.DefaultInstance, memory);
        }
        // The shared default survives: tensors over managed memory still work.
        using var value = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 2 }, [2]);
        Assert.AreEqual(2f, value.GetTensorDataAsSpan<float>()[1]);
    }

    [TestMethod]
    public void Cuda_memory_names_the_cuda_allocator_and_the_device_id()
    {
        using var memory = ExecutionDevice.Cuda(2).CreateMemoryInfo();

        Assert.AreEqual("Cuda", memory.Name);
        Assert.AreEqual(2, memory.Id);
    }

    [TestMethod]
    [DataRow(false, "0")]
    [DataRow(true, "1")]
    public void Cuda_provider_options_carry_the_device_id_and_tf32(bool tf32, string expected)
    {
        var options = ExecutionDevice.Cuda(1).CudaProviderOptions(new DeviceSessionSettings { UseTf32 = tf32 });

        Assert.AreEqual("1", options["device_id"]);
        Assert.AreEqual(expected, options["use_tf32"]);
    }

    [TestMethod]
    public void Tf32_is_off_by_default_for_parity_with_the_cpu()
    {
        Assert.IsFalse(new DeviceSessionSettings().UseTf32);
    }

    [TestMethod]
    public void Cuda_without_the_gpu_build_or_cuda_libraries_is_one_clear_error()
    {
        if (CudaIsUsable()) Assert.Inconclusive("CUDA works on this machine; the error path cannot be shown.");

        var e = Assert.ThrowsExactly<DeviceUnavailableException>(() => ExecutionDevice.Cuda().CreateSessionOptions().Dispose());

        StringAssert.Contains(e.Message, "--device cuda");
        StringAssert.Contains(e.Message, "HINT");
        if (ExecutionDevice.BuildHasCudaProvider())
            StringAssert.Contains(e.Message, "LD_LIBRARY_PATH");     // GPU build, CUDA libraries missing
        else
        {
            StringAssert.Contains(e.Message, "CPU-only ONNX Runtime");
            StringAssert.Contains(e.Message, "make build GPU=1");
            StringAssert.Contains(e.Message, "gpu-bundle");
        }
    }

    [TestMethod]
    [DataRow("libcublasLt.so.13")]
    [DataRow("libcudart.so.13")]
    [DataRow("libcudnn.so.9")]
    public void A_missing_cuda_library_is_named_with_the_whole_list_and_the_fix(string library)
    {
        // ORT's wording when dlopen of the CUDA provider fails (seen with the 1.31.0 GPU package on a machine without CUDA).
        var ort = new Exception(
            $"/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1900 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() " +
            $"[ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: {library}: cannot open shared object file: No such file or directory");

        var e = ExecutionDevice.Unavailable(ort);

        StringAssert.Contains(e.Message, $"could not load {library}.");
        foreach (var lib in ExecutionDevice.CudaLibraries) StringAssert.Contains(e.Message, lib);
        StringAssert.Contains(e.Message, "LD_LIBRARY_PATH");
        StringAssert.Contains(e.Message, "run-on-gpu.sh");
        Assert.AreSame(ort, e.InnerException);
    }

    [TestMethod]
    public void No_gpu_is_told_apart_from_a_missing_library()
    {
        var ort = new Exception("CUDA failure 100: no CUDA-capable device is detected ; GPU=0 ; hostname=x");

        var e = ExecutionDevice.Unavailable(ort);

        StringAssert.Contains(e.Message, "no usable GPU");
        StringAssert.Contains(e.Message, "nvidia-smi");
    }

    internal static bool CudaIsUsable()
    {
        if (!ExecutionDevice.BuildHasCudaProvider()) return false;
        try
        {
            using var allocator = DeviceAllocator.Create(ExecutionDevice.Cuda());
            return true;
        }
        catch (DeviceUnavailableException)
        {
            return false;
        }
    }
}
