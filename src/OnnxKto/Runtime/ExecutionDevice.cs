using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace OnnxKto.Runtime;

/// <summary>
/// Where the training graphs run: <c>cpu</c> (ORT's CPU execution provider) or <c>cuda</c> / <c>cuda:N</c>
/// (the CUDA execution provider on GPU N). Makes the <see cref="SessionOptions"/> for the choice and says
/// where device-resident tensors (parameters, gradients, moments) live.
/// </summary>
/// <example><code>
/// var device = ExecutionDevice.Parse("cuda:0");
/// using var options = device.CreateSessionOptions(new DeviceSessionSettings { UseTf32 = false });
/// using var session = new InferenceSession(modelPath, options);
/// using var allocator = DeviceAllocator.ForSession(device, session);
/// using var weights = allocator.Allocate(TensorElementType.Float, 768, 768);
/// </code></example>
public sealed partial record ExecutionDevice
{
    /// <summary>ORT's name for the CUDA execution provider, as <see cref="OrtEnv.GetAvailableProviders"/> lists it.</summary>
    public const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>The CUDA 13 runtime libraries that the 1.31 CUDA provider links against (cuDNN 9 is optional).</summary>
    public static readonly IReadOnlyList<string> CudaLibraries = ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10"];

    private ExecutionDevice(DeviceKind kind, int deviceId)
    {
        Kind = kind;
        DeviceId = deviceId;
    }

    /// <summary>The CPU execution provider.</summary>
    public static ExecutionDevice Cpu { get; } = new(DeviceKind.Cpu, 0);

    /// <summary>The CUDA execution provider on GPU <paramref name="deviceId"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative device id.</exception>
    public static ExecutionDevice Cuda(int deviceId = 0) =>
        deviceId >= 0 ? new(DeviceKind.Cuda, deviceId) : throw new ArgumentOutOfRangeException(nameof(deviceId), deviceId, "A CUDA device id is 0 or more.");

    /// <summary>CPU or CUDA.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The GPU ordinal for CUDA (as <c>nvidia-smi</c> and <c>CUDA_VISIBLE_DEVICES</c> number them); 0 for the CPU.</summary>
    public int DeviceId { get; }

    /// <summary>True for a CUDA device.</summary>
    public bool IsCuda => Kind == DeviceKind.Cuda;

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> (GPU 0) or <c>cuda:N</c>, ignoring case and surrounding spaces.</summary>
    /// <exception cref="UserError">Anything else, quoting the value and the accepted forms.</exception>
    public static ExecutionDevice Parse(string? text)
    {
        var t = (text ?? "").Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda" || t == "gpu") return Cuda(0);
        var m = CudaWithId().Match(t);
        if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return Cuda(id);
        throw new UserError(
            $"Unknown device '{text}'. Use 'cpu', 'cuda' (GPU 0) or 'cuda:N' for GPU N (e.g. cuda:1).");
    }

    /// <summary><c>cpu</c> or <c>cuda:N</c>: the form <see cref="Parse"/> reads back.</summary>
    public override string ToString() => IsCuda ? $"cuda:{DeviceId}" : "cpu";

    /// <summary>
    /// Session options for this device: all graph optimizations (unless turned off), intra-op threads as given
    /// or one per core, and for CUDA the CUDA execution provider with its device id and TF32 setting
    /// (ORT's CPU provider stays registered behind it for the few nodes CUDA lacks).
    /// </summary>
    /// <param name="settings">Threads, TF32, optimization; defaults when null.</param>
    /// <returns>Options the caller owns and disposes after creating its sessions.</returns>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and this build or machine cannot provide it.</exception>
    public SessionOptions CreateSessionOptions(DeviceSessionSettings? settings = null)
    {
        settings ??= new DeviceSessionSettings();
        if (IsCuda) EnsureCudaProviderInBuild();
        var options = new SessionOptions
        {
            GraphOptimizationLevel = settings.OptimizeGraph ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = settings.IntraOpThreads > 0 ? settings.IntraOpThreads : Environment.ProcessorCount,
            EnableCpuMemArena = settings.CpuMemoryArena,
            // ORT's memory pattern reserves one block per run for the planned activations outside the arena's chunks and
            // frees it after the run: with the arena, that block alone was mapped and faulted in again every step.
            EnableMemoryPattern = !settings.CpuMemoryArena,
        };
        if (!IsCuda) return options;
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(CudaProviderOptions(settings));
            options.AppendExecutionProvider_CUDA(cuda);
            return options;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            options.Dispose();
            throw Unavailable(e);
        }
    }

    /// <summary>The CUDA provider options this device sets (exposed for logs and tests).</summary>
    public Dictionary<string, string> CudaProviderOptions(DeviceSessionSettings settings) => new()
    {
        ["device_id"] = DeviceId.ToString(CultureInfo.InvariantCulture),
        // TF32 rounds matmul inputs to 10 mantissa bits: fast, but not bit-comparable with a CPU run.
        ["use_tf32"] = settings.UseTf32 ? "1" : "0",
    };

    /// <summary>
    /// Where this device's tensors live: ORT's default CPU memory, or CUDA device memory on GPU <see cref="DeviceId"/>.
    /// Bind parameters, gradients and moments allocated here to keep them resident between steps.
    /// </summary>
    /// <remarks>
    /// The caller owns and disposes the returned object. It is always a new one: disposing ORT's shared
    /// <see cref="OrtMemoryInfo.DefaultInstance"/> frees it for the whole process, and the next tensor created over
    /// managed memory then crashes in native code.
    /// </remarks>
    public OrtMemoryInfo CreateMemoryInfo() => IsCuda
        ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, DeviceId, OrtMemType.Default)
        : new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default);

    /// <summary>Whether the loaded ONNX Runtime was built with the CUDA execution provider (says nothing about CUDA libraries or GPUs).</summary>
    public static bool BuildHasCudaProvider() =>
        OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName, StringComparer.Ordinal);

    private static void EnsureCudaProviderInBuild()
    {
        if (BuildHasCudaProvider()) return;
        throw new DeviceUnavailableException(
            "--device cuda needs the GPU build of onnx-kto, but this build carries the CPU-only ONNX Runtime " +
            $"(providers: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}). " +
            "HINT: build with 'make build GPU=1' (MSBuild: -p:OnnxKtoGpu=true, package Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0), " +
            "or on a machine without .NET use the GPU bundle: 'make gpu-bundle', then gpu-bundle/run-on-gpu.sh on the GPU machine.");
    }

    /// <summary>
    /// Turns ORT's failure to start the CUDA provider (or a CUDA session) into one message naming what is missing.
    /// The dynamic loader reports only the first library it cannot open, so the hint lists all of them.
    /// </summary>
    internal static DeviceUnavailableException Unavailable(Exception e)
    {
        var missing = MissingLibrary().Match(e.Message);
        var libraries = string.Join(", ", CudaLibraries);
        var hint = $"HINT: the CUDA provider needs the CUDA 13 runtime ({libraries}; cuDNN 9 libcudnn.so.9 optional) " +
                   "on LD_LIBRARY_PATH; gpu-bundle/run-on-gpu.sh finds them in a system CUDA 13 or in Python's nvidia-* / torch packages and sets it.";
        if (missing.Success)
            return new DeviceUnavailableException($"--device cuda: the CUDA execution provider could not load {missing.Groups[1].Value}. {hint}", e);
        if (e.Message.Contains("no CUDA-capable device", StringComparison.OrdinalIgnoreCase) ||
            e.Message.Contains("driver version is insufficient", StringComparison.OrdinalIgnoreCase) ||
            e.Message.Contains("CUDA failure 35", StringComparison.Ordinal) || e.Message.Contains("CUDA failure 100", StringComparison.Ordinal))
            return new DeviceUnavailableException(
                $"--device cuda: CUDA found no usable GPU ({FirstLine(e.Message)}). " +
                "HINT: check nvidia-smi; the 1.31 CUDA provider needs an NVIDIA driver for CUDA 13 (580 or newer); use --device cpu otherwise.", e);
        return new DeviceUnavailableException($"--device cuda: ONNX Runtime could not start the CUDA execution provider: {FirstLine(e.Message)} {hint}", e);
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    [GeneratedRegex(@"^cuda:(\d{1,4})$")]
    private static partial Regex CudaWithId();

    // dlopen's message: "libcublasLt.so.13: cannot open shared object file: No such file or directory".
    [GeneratedRegex(@"(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
