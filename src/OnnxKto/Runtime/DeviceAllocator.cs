using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// Allocates ORT-owned tensors on an <see cref="ExecutionDevice"/>: ORT's default allocator on the CPU, the CUDA
/// provider's device allocator on a GPU. Tensors allocated here are what the training runtime binds (IO binding)
/// for parameters, gradients and optimizer moments, so they stay on the device between steps.
/// </summary>
/// <remarks>
/// ORT hands out a CUDA allocator only through a session that registered the CUDA provider. Pass the training
/// session itself (<see cref="ForSession"/>), or let <see cref="Create"/> open a one-node probe session for it;
/// either session must outlive the allocator and every tensor it made.
/// </remarks>
internal sealed class DeviceAllocator : IDisposable
{
    private readonly OrtAllocator _allocator;
    private readonly OrtMemoryInfo? _memoryInfo;
    private readonly InferenceSession? _ownedSession;

    private DeviceAllocator(ExecutionDevice device, OrtAllocator allocator, OrtMemoryInfo? memoryInfo, InferenceSession? ownedSession)
    {
        Device = device;
        _allocator = allocator;
        _memoryInfo = memoryInfo;
        _ownedSession = ownedSession;
    }

    public ExecutionDevice Device { get; }

    /// <summary>
    /// An allocator for <paramref name="device"/>. For CUDA this starts the provider on a probe session (an Identity
    /// graph), which is also the quickest full check that the CUDA libraries and a GPU are there.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and the build, the libraries or the GPU are missing.</exception>
    public static DeviceAllocator Create(ExecutionDevice device, DeviceSessionSettings? settings = null)
    {
        if (!device.IsCuda) return new DeviceAllocator(device, OrtAllocator.DefaultInstance, null, null);
        using var options = device.CreateSessionOptions(settings);
        var session = OpenProbeSession(options);
        try
        {
            return ForCudaSession(device, session, ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>An allocator for <paramref name="device"/> drawn from <paramref name="session"/>, which must have been created with that device's options.</summary>
    /// <exception cref="DeviceUnavailableException">The session has no allocator for the device's memory (it was created for another device).</exception>
    public static DeviceAllocator ForSession(ExecutionDevice device, InferenceSession session) =>
        device.IsCuda ? ForCudaSession(device, session, ownsSession: false) : new DeviceAllocator(device, OrtAllocator.DefaultInstance, null, null);

    /// <summary>A tensor of <paramref name="type"/> and <paramref name="shape"/> in device memory; contents are undefined.</summary>
    /// <exception cref="OnnxRuntimeFailure">ORT could not allocate it (e.g. out of GPU memory).</exception>
    public OrtValue Allocate(TensorElementType type, params long[] shape) =>
        OrtCalls.Guard($"allocate a {type}[{string.Join(",", shape)}] tensor on {Device}",
            () => OrtValue.CreateAllocatedTensorValue(_allocator, type, shape));

    /// <inheritdoc cref="Allocate(TensorElementType, long[])"/>
    public OrtValue Allocate(DataType type, params long[] shape) => Allocate(OrtTensors.ElementType(type), shape);

    public void Dispose()
    {
        if (_memoryInfo is null) return;   // the CPU's default allocator and memory info are ORT's singletons
        _allocator.Dispose();
        _memoryInfo.Dispose();
        _ownedSession?.Dispose();
    }

    private static DeviceAllocator ForCudaSession(ExecutionDevice device, InferenceSession session, bool ownsSession)
    {
        var memoryInfo = device.CreateMemoryInfo();
        try
        {
            var allocator = new OrtAllocator(session, memoryInfo);
            return new DeviceAllocator(device, allocator, memoryInfo, ownsSession ? session : null);
        }
        catch (OnnxRuntimeException e)
        {
            memoryInfo.Dispose();
            throw new DeviceUnavailableException(
                $"The session has no allocator for {device} memory ({e.Message}). HINT: create it with {device}'s CreateSessionOptions.", e);
        }
    }

    // y = Identity(x) over float[n]: enough for ORT to register the provider and its allocators.
    internal static InferenceSession OpenProbeSession(SessionOptions options)
    {
        var graph = new Graph("device_probe");
        var b = new GraphBuilder(graph);
        var x = graph.AddInput("x", DataType.Float, new Shape("n"));
        b.Output(x, "y");
        try
        {
            return new InferenceSession(OnnxModelFile.ToBytes(graph), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw ExecutionDevice.Unavailable(e);
        }
    }
}
