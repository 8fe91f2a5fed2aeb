using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// Allocates the long-lived tensors of a training run (parameters, gradients, optimizer state) where the sessions
/// compute, and moves them to and from host memory for checkpoints. On the CPU they live in native memory allocated
/// here (any size, address known), and read-only tensors that are native or mapped already (a checkpoint's frozen
/// weights) are bound where they lie. On CUDA they live in device memory; copies go through tiny Identity sessions with
/// IO binding (host tensor in, device tensor bound as output, and back; or device to device, as the optimizer writes
/// its scratch back).
/// </summary>
internal sealed class TensorStore : IDisposable
{
    private readonly ExecutionDevice _device;
    private readonly SessionOptions _options;
    private readonly DeviceAllocator _allocator;
    private readonly Dictionary<string, InferenceSession> _copiers = [];  // by the inputs' types and ranks
    private readonly RunOptions _run = new();

    public TensorStore(ExecutionDevice device, SessionOptions options)
    {
        _device = device;
        _options = options;
        _allocator = DeviceAllocator.Create(device);
    }

    /// <summary>A tensor in the device's memory, contents undefined (zero on the CPU).</summary>
    public DeviceTensor Allocate(DataType type, long[] dims) => _device.IsCuda
        ? new DeviceTensor(_allocator.Allocate(type, dims))
        : DeviceTensor.OverMemory(new NativeTensorMemory(dims.Aggregate(1L, (n, d) => n * d) * type.SizeInBytes()), type, dims);

    /// <summary>A zero-filled tensor in the device's memory.</summary>
    public DeviceTensor Zeros(DataType type, long[] dims) => _device.IsCuda ? Upload(TensorData.Allocate(type, dims)) : Allocate(type, dims);

    /// <summary>A copy of <paramref name="data"/> in the device's memory, which the caller may write.</summary>
    public DeviceTensor Upload(TensorData data)
    {
        var resident = Allocate(data.Type, data.Dims);
        if (!_device.IsCuda) data.CopyTo(resident.Address);
        else
        {
            using var host = HostView(data);
            Copy([host.Value], [resident.Value]);
        }
        return resident;
    }

    /// <summary>
    /// <paramref name="data"/> for sessions to read and never write: on the CPU the tensor's own native or mapped bytes
    /// when it has them (no copy), otherwise as <see cref="Upload"/>.
    /// </summary>
    public DeviceTensor Share(TensorData data) =>
        !_device.IsCuda && data.Memory is { } memory ? DeviceTensor.OverMemory(memory, data.Type, data.Dims, keepAlive: data) : Upload(data);

    /// <summary>A host copy of <paramref name="tensor"/>, in native memory (any size); a shared read-only tensor's own data.</summary>
    public TensorData Download(DeviceTensor tensor)
    {
        if (tensor.SharedData is { } shared) return shared;
        var data = TensorData.Allocate(tensor.Type, tensor.Dims);
        using var host = HostView(data);
        if (!_device.IsCuda) Copy(tensor.Address, host.Address, data.ByteLength);
        else Copy([tensor.Value], [host.Value]);
        return data;
    }

    // A host tensor over data's bytes (native, mapped, or a managed array copied to native memory), for copies.
    private static DeviceTensor HostView(TensorData data)
    {
        if (data.Memory is { } memory) return DeviceTensor.OverMemory(memory, data.Type, data.Dims, keepAlive: data);
        var copy = new NativeTensorMemory(data.ByteLength);
        data.CopyTo(copy.Address);
        return DeviceTensor.OverMemory(copy, data.Type, data.Dims);
    }

    private static unsafe void Copy(IntPtr from, IntPtr to, long bytes) => Buffer.MemoryCopy((void*)from, (void*)to, bytes, bytes);

    /// <summary>Copies <paramref name="from"/>[i] into <paramref name="to"/>[i] (same type and shape) in one run of an Identity graph.</summary>
    public void Copy(IReadOnlyList<OrtValue> from, IReadOnlyList<OrtValue> to)
    {
        var types = from.Select(v => v.GetTensorTypeAndShape()).Select(i => ((DataType)(int)i.ElementDataType, i.Shape.Length)).ToList();
        var key = string.Join(";", types);
        if (!_copiers.TryGetValue(key, out var session))
        {
            var g = new Graph("copy");
            var b = new GraphBuilder(g);
            for (int k = 0; k < types.Count; k++)
                b.Output(g.AddInput($"x{k}", types[k].Item1, new Shape(Enumerable.Range(0, types[k].Item2).Select(i => Dim.Sym($"d{i}")))), $"y{k}");
            session = OrtCalls.Guard($"create a copy session on {_device}", () => new InferenceSession(OnnxModelFile.ToBytes(g), _options));
            _copiers[key] = session;
        }
        using var binding = session.CreateIoBinding();
        for (int k = 0; k < from.Count; k++)
        {
            binding.BindInput($"x{k}", from[k]);
            binding.BindOutput($"y{k}", to[k]);
        }
        OrtCalls.Guard($"copy {from.Count} tensor(s) to or on {_device}", () => { session.RunWithBinding(_run, binding); return 0; });
        binding.SynchronizeBoundOutputs();
    }

    public void Dispose()
    {
        foreach (var session in _copiers.Values) session.Dispose();
        _run.Dispose();
        _allocator.Dispose();
    }
}
