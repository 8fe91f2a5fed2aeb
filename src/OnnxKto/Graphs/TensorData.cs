using System.Runtime.InteropServices;

namespace OnnxKto.Graphs;

/// <summary>
/// A dense tensor held in memory: element type, fixed dims and little-endian raw bytes.
/// Used for initializers, constants and the values a session feeds or returns.
/// </summary>
public sealed class TensorData
{
    /// <summary>The element type.</summary>
    public DataType Type { get; }
    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public long[] Dims { get; }

    /// <summary>
    /// The most bytes one tensor holds: its bytes are one .NET array (about 2 GiB). A float32 tensor of more than
    /// 536,870,897 elements (Qwen2.5-7B's 152064 x 3584 embedding) does not fit.
    /// </summary>
    public static long MaxBytes => Array.MaxLength;

    /// <summary>Raw little-endian element bytes, row-major.</summary>
    public byte[] Bytes { get; }

    /// <summary>A tensor over <paramref name="bytes"/>, which it keeps without copying.</summary>
    /// <exception cref="ArgumentException">When a dimension is negative or the byte count does not fit the type and dims.</exception>
    public TensorData(DataType type, long[] dims, byte[] bytes)
    {
        long count = dims.Aggregate(1L, (n, d) => n * d);
        if (dims.Any(d => d < 0))
            throw new ArgumentException($"Negative dimension in [{string.Join(", ", dims)}].");
        if (count * type.SizeInBytes() != bytes.LongLength)
            throw new ArgumentException(
                $"A {type} tensor of shape [{string.Join(", ", dims)}] needs {count * type.SizeInBytes()} bytes, got {bytes.LongLength}.");
        Type = type;
        Dims = dims;
        Bytes = bytes;
    }

    /// <summary>The product of <see cref="Dims"/>: 1 for a scalar.</summary>
    public long ElementCount => Dims.Aggregate(1L, (n, d) => n * d);

    /// <summary><see cref="Dims"/> as a static <see cref="Graphs.Shape"/>.</summary>
    public Shape Shape => new(Dims.Select(Dim.Of));

    /// <summary>A <see cref="DataType.Float"/> tensor holding a copy of <paramref name="values"/>, row-major.</summary>
    public static TensorData FromFloats(long[] dims, ReadOnlySpan<float> values) => From(DataType.Float, dims, values);
    /// <summary>A <see cref="DataType.Double"/> tensor holding a copy of <paramref name="values"/>, row-major.</summary>
    public static TensorData FromDoubles(long[] dims, ReadOnlySpan<double> values) => From(DataType.Double, dims, values);
    /// <summary>An <see cref="DataType.Int64"/> tensor holding a copy of <paramref name="values"/>, row-major.</summary>
    public static TensorData FromLongs(long[] dims, ReadOnlySpan<long> values) => From(DataType.Int64, dims, values);
    /// <summary>An <see cref="DataType.Int32"/> tensor holding a copy of <paramref name="values"/>, row-major.</summary>
    public static TensorData FromInts(long[] dims, ReadOnlySpan<int> values) => From(DataType.Int32, dims, values);
    /// <summary>A <see cref="DataType.Bool"/> tensor of <paramref name="values"/>, one byte each, row-major.</summary>
    public static TensorData FromBools(long[] dims, ReadOnlySpan<bool> values) =>
        new(DataType.Bool, dims, values.ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray());

    /// <summary>A scalar (rank 0) or 1-D tensor of <paramref name="type"/> holding <paramref name="value"/>.</summary>
    public static TensorData Scalar(DataType type, double value, long[]? dims = null)
    {
        dims ??= [];
        return type switch
        {
            DataType.Float => FromFloats(dims, [(float)value]),
            DataType.Double => FromDoubles(dims, [value]),
            DataType.Int64 => FromLongs(dims, [(long)value]),
            DataType.Int32 => FromInts(dims, [(int)value]),
            DataType.Bool => FromBools(dims, [value != 0]),
            DataType.Float16 => new TensorData(type, dims, BitConverter.GetBytes((Half)value)),
            DataType.BFloat16 => new TensorData(type, dims, BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits((float)value) >> 16))),
            _ => throw new NotSupportedException($"No scalar constants of type {type}."),
        };
    }

    private static TensorData From<T>(DataType type, long[] dims, ReadOnlySpan<T> values) where T : unmanaged =>
        new(type, dims, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The bytes viewed as <typeparamref name="T"/>, without a copy and without checking <see cref="Type"/>.</summary>
    public ReadOnlySpan<T> As<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>A copy of the float contents.</summary>
    /// <exception cref="InvalidOperationException">When the tensor is not <see cref="DataType.Float"/>.</exception>
    public float[] ToFloats() => Type == DataType.Float ? As<float>().ToArray() : throw TypeError(DataType.Float);
    /// <summary>A copy of the double contents.</summary>
    /// <exception cref="InvalidOperationException">When the tensor is not <see cref="DataType.Double"/>.</exception>
    public double[] ToDoubles() => Type == DataType.Double ? As<double>().ToArray() : throw TypeError(DataType.Double);

    /// <summary>Integer contents widened to long (Int64 or Int32 tensors).</summary>
    public long[] ToLongs() => Type switch
    {
        DataType.Int64 => As<long>().ToArray(),
        DataType.Int32 => As<int>().ToArray().Select(v => (long)v).ToArray(),
        _ => throw TypeError(DataType.Int64),
    };

    /// <summary>Numeric contents widened to double (any float or integer type).</summary>
    public double[] ToDoublesWidened() => Type switch
    {
        DataType.Double => ToDoubles(),
        DataType.Float => As<float>().ToArray().Select(v => (double)v).ToArray(),
        DataType.Float16 => As<Half>().ToArray().Select(v => (double)v).ToArray(),
        DataType.Int64 or DataType.Int32 => ToLongs().Select(v => (double)v).ToArray(),
        DataType.Bool => Bytes.Select(b => (double)b).ToArray(),
        _ => throw TypeError(DataType.Double),
    };

    private InvalidOperationException TypeError(DataType wanted) =>
        new($"Tensor holds {Type} elements, not {wanted}.");

    /// <summary>The type and dims, like <c>Float[2, 3]</c>; never the contents, which can be large.</summary>
    public override string ToString() => $"{Type}[{string.Join(", ", Dims)}]";
}
