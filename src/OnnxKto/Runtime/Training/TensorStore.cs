using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime.Training;

/// <summary>
/// Allocates the long-lived tensors of a training run (parameters, gradients, optimizer state) where the sessions
/// compute, and moves them to and from host memory for checkpoints.
/// </summary>
internal sealed class TensorStore
{
    public OrtValue Allocate(DataType type, long[] dims) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OrtTensors.ElementType(type), dims);

    public OrtValue Zeros(DataType type, long[] dims)
    {
        var v = Allocate(type, dims);
        v.GetTensorMutableRawData().Clear();
        return v;
    }

    public OrtValue Upload(TensorData data) => OrtTensors.ToOrtValue(data);

    public TensorData Download(OrtValue value) => OrtTensors.FromOrtValue(value);
}
