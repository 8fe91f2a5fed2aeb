namespace OnnxKto.Graphs;

/// <summary>ONNX tensor element types (the numeric values are ONNX's <c>TensorProto.DataType</c>).</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    BFloat16 = 16,
}

/// <summary>Facts about element types that autodiff and the builders need.</summary>
public static class DataTypeInfo
{
    /// <summary>True for the types gradients flow through.</summary>
    public static bool IsFloating(this DataType t) =>
        t is DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16;

    /// <summary>Bytes per element.</summary>
    /// <exception cref="NotSupportedException">For a type without a fixed element size.</exception>
    public static int SizeInBytes(this DataType t) => t switch
    {
        DataType.Float or DataType.Int32 => 4,
        DataType.Double or DataType.Int64 => 8,
        DataType.Float16 or DataType.BFloat16 => 2,
        DataType.UInt8 or DataType.Int8 or DataType.Bool => 1,
        _ => throw new NotSupportedException($"Element type {t} has no fixed size."),
    };
}
