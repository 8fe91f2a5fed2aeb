using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// Allocates the long-lived tensors of a training run (parameters, gradients, optimizer state) where the sessions
/// compute, and moves them to and from host memory for checkpoints. On CUDA they live in device memory; copies go
/// through tiny Identity sessions with IO binding (host tensor in, device tensor bound as output, and back).
/// </summary>
internal sealed class TensorStore : IDisposable
{
    private readonly ExecutionDevice _device;
    private readonly SessionOptions _options;
    private readonly DeviceAllocator _allocator;
    private readonly Dictionary<(DataType, int), InferenceSession> _copiers = [];
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
        Copy(host, resident, data.Type, data.Dims.Length);
        return resident;
    }

    public TensorData Download(OrtValue value)
    {
        if (!_device.IsCuda) return OrtTensors.FromOrtValue(value);
        var info = value.GetTensorTypeAndShape();
        var type = (DataType)(int)info.ElementDataType;
        using var host = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, info.Shape);
        Copy(value, host, type, info.Shape.Length);
        return OrtTensors.FromOrtValue(host);
    }

    private void Copy(OrtValue from, OrtValue to, DataType type, int rank)
    {
        if (!_copiers.TryGetValue((type, rank), out var session))
        {
            var g = new Graph("copy");
            var x = g.AddInput("x", type, new Shape(Enumerable.Range(0, rank).Select(i => Dim.Sym($"d{i}"))));
            new GraphBuilder(g).Output(x, "y");
            session = OrtCalls.Guard($"create a copy session on {_device}", () => new InferenceSession(OnnxModelFile.ToBytes(g), _options));
            _copiers[(type, rank)] = session;
        }
        using var binding = session.CreateIoBinding();
        binding.BindInput("x", from);
        binding.BindOutput("y", to);
        OrtCalls.Guard($"copy a tensor to or from {_device}", () => { session.RunWithBinding(_run, binding); return 0; });
        binding.SynchronizeBoundOutputs();
    }

    public void Dispose()
    {
        foreach (var session in _copiers.Values) session.Dispose();
        _run.Dispose();
        _allocator.Dispose();
    }
}
