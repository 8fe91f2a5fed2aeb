using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime;

/// <summary>Copies between <see cref="TensorData"/> and ORT's <see cref="OrtValue"/>.</summary>
internal static class OrtTensors
{
    public static OrtValue ToOrtValue(TensorData t)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, ElementType(t.Type), t.Dims);
        t.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    public static TensorData FromOrtValue(OrtValue v)
    {
        var info = v.GetTensorTypeAndShape();
        return new TensorData(DataTypeOf(info.ElementDataType), info.Shape, v.GetTensorDataAsSpan<byte>().ToArray());
    }

    public static TensorElementType ElementType(DataType t) => (TensorElementType)(int)t;

    private static DataType DataTypeOf(TensorElementType t) => (DataType)(int)t;
}
