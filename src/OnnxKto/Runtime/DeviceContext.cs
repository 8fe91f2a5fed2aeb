using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// Where a run computes: the <see cref="ExecutionDevice"/>'s session options, the sessions opened with them, and the
/// long-lived tensors those sessions share (allocated in the device's memory; uploaded and downloaded as
/// <see cref="TensorData"/>). Dispose every tensor and session it made before the context.
/// </summary>
internal sealed class DeviceContext : IDisposable
{
    private readonly SessionOptions _options;
    private readonly TensorStore _store;

    /// <summary>Opens <paramref name="device"/> with <paramref name="settings"/> (threads, TF32, graph optimizations).</summary>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and cannot be used, with what is missing.</exception>
    public DeviceContext(ExecutionDevice device, DeviceSessionSettings? settings = null)
    {
        Device = device;
        if (!device.IsCuda && !(settings?.CpuMemoryArena ?? false)) HostMemory.ReturnLargeBlocksToSystem();
        _options = device.CreateSessionOptions(settings);
        try
        {
            _store = new TensorStore(device, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }
    }

    public ExecutionDevice Device { get; }

    /// <summary>A session over the model file <paramref name="path"/> (external data read from beside it).</summary>
    /// <exception cref="OnnxRuntimeFailure">ORT could not load the model.</exception>
    public BoundSession Open(string path) =>
        new(OrtCalls.Guard($"load {path}", () => new InferenceSession(path, _options)), Path.GetFileName(path));

    /// <summary>A session over <paramref name="graph"/> (serialized in memory), e.g. a graph the runtime builds itself.</summary>
    /// <exception cref="OnnxRuntimeFailure">ORT could not load the graph.</exception>
    public BoundSession Open(Graph graph) =>
        new(OrtCalls.Guard($"load graph '{graph.Name}'", () => new InferenceSession(OnnxModelFile.ToBytes(graph), _options)), graph.Name);

    /// <summary>
    /// Copies each tensor of <paramref name="from"/> into the tensor of <paramref name="to"/> at the same index, of the
    /// same type and shape, in one run on the device: device to device, or between host and device.
    /// </summary>
    public void Copy(IReadOnlyList<DeviceTensor> from, IReadOnlyList<DeviceTensor> to) =>
        _store.Copy(from.Select(t => t.Value).ToList(), to.Select(t => t.Value).ToList());

    /// <summary>A tensor of <paramref name="type"/> and <paramref name="dims"/> in device memory; contents undefined.</summary>
    public DeviceTensor Allocate(DataType type, long[] dims) => _store.Allocate(type, dims);

    /// <summary>A zero-filled tensor in device memory.</summary>
    public DeviceTensor Zeros(DataType type, long[] dims) => _store.Zeros(type, dims);

    /// <summary>A device copy of <paramref name="data"/>, which sessions may write (parameters, optimizer state).</summary>
    public DeviceTensor Upload(TensorData data) => _store.Upload(data);

    /// <summary>
    /// <paramref name="data"/> for sessions to read only (frozen weights): on the CPU its own native or mapped bytes
    /// when it has them, not a copy, so a checkpoint's weights are in memory once; elsewhere a device copy.
    /// </summary>
    public DeviceTensor Share(TensorData data) => _store.Share(data);

    /// <summary>A host copy of <paramref name="tensor"/> (native memory, any size); for a <see cref="Share"/>d tensor, the data it shares.</summary>
    public TensorData Download(DeviceTensor tensor) => _store.Download(tensor);

    public void Dispose()
    {
        _store.Dispose();
        _options.Dispose();
    }
}
