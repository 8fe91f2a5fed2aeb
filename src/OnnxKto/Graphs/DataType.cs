namespace OnnxKto.Graphs;

/// <summary>ONNX tensor element types (the numeric values are ONNX's <c>TensorProto.DataType</c>).</summary>
public enum DataType
{
    /// <summary>Not known: what shape inference leaves when it cannot tell; never a stored tensor's type.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float: the default precision of weights, activations and gradients.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer: token ids, masks, shapes and axes, as ONNX operators expect them.</summary>
    Int64 = 7,
    /// <summary>Boolean, one byte per element.</summary>
    Bool = 9,
    /// <summary>IEEE half precision.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>bfloat16: a float's upper 16 bits.</summary>
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
