using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// Allocates the long-lived tensors of a training run (parameters, gradients, optimizer state) where the sessions
/// compute, and moves them to and from host memory for checkpoints. On CUDA they live in device memory; copies go
/// through tiny Identity sessions with IO binding (host tensor in, device tensor bound as output, and back; or device to
/// device, as the optimizer writes its scratch back).
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

    public OrtValue Allocate(DataType type, long[] dims) => _allocator.Allocate(type, dims);

    public OrtValue Zeros(DataType type, long[] dims) =>
        Upload(new TensorData(type, dims, new byte[dims.Aggregate(1L, (n, d) => n * d) * type.SizeInBytes()]));

    public OrtValue Upload(TensorData data)
    {
        if (!_device.IsCuda) return OrtTensors.ToOrtValue(data);
        using var host = OrtTensors.ToOrtValue(data);
        var resident = Allocate(data.Type, data.Dims);
        Copy([host], [resident]);
        return resident;
    }

    public TensorData Download(OrtValue value)
    {
        if (!_device.IsCuda) return OrtTensors.FromOrtValue(value);
        var info = value.GetTensorTypeAndShape();
        using var host = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, info.Shape);
        Copy([value], [host]);
        return OrtTensors.FromOrtValue(host);
    }

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
