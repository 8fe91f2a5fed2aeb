using System.Runtime.InteropServices;

namespace OnnxKto.Graphs;

/// <summary>
/// A dense tensor held in memory: element type, fixed dims and little-endian raw bytes.
/// Used for initializers, constants and the values a session feeds or returns. The bytes are a .NET array, or native
/// or memory-mapped storage for tensors of any size (a checkpoint's tensors are mapped from the file, not copied).
/// </summary>
public sealed class TensorData
{
    /// <summary>The element type.</summary>
    public DataType Type { get; }
    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public long[] Dims { get; }

    private readonly byte[]? _array;
    private readonly TensorMemory? _memory;

    /// <summary>A tensor over <paramref name="bytes"/>, which it keeps without copying.</summary>
    /// <exception cref="ArgumentException">When a dimension is negative or the byte count does not fit the type and dims.</exception>
    public TensorData(DataType type, long[] dims, byte[] bytes)
    {
        Check(type, dims, bytes.LongLength);
        Type = type;
        Dims = dims;
        _array = bytes;
    }

    /// <summary>
    /// A tensor over <paramref name="memory"/> (native or mapped, of any size), which it keeps without copying: the
    /// memory lives as long as the tensor does.
    /// </summary>
    /// <exception cref="ArgumentException">When a dimension is negative or the byte count does not fit the type and dims.</exception>
    internal TensorData(DataType type, long[] dims, TensorMemory memory)
    {
        Check(type, dims, memory.Length);
        Type = type;
        Dims = dims;
        _memory = memory;
    }

    private static void Check(DataType type, long[] dims, long length)
    {
        if (dims.Any(d => d < 0))
            throw new ArgumentException($"Negative dimension in [{string.Join(", ", dims)}].");
        long count = dims.Aggregate(1L, (n, d) => n * d);
        if (count * type.SizeInBytes() != length)
            throw new ArgumentException(
                $"A {type} tensor of shape [{string.Join(", ", dims)}] needs {count * type.SizeInBytes()} bytes, got {length}.");
    }

    /// <summary>
    /// A zero-filled tensor whose bytes live in native memory (no size limit), for producers that fill it in place
    /// through <see cref="Writable"/> (widening a checkpoint's bfloat16, downloading from a device).
    /// </summary>
    internal static TensorData Allocate(DataType type, long[] dims) =>
        new(type, dims, new NativeTensorMemory(dims.Aggregate(1L, (n, d) => n * d) * type.SizeInBytes()));

    /// <summary>The number of bytes (any size: tensors in native or mapped memory pass 2 GiB).</summary>
    public long ByteLength => _array?.LongLength ?? _memory!.Length;

    /// <summary>Raw little-endian element bytes, row-major, in place.</summary>
    /// <exception cref="NotSupportedException">The tensor holds more than 2 GiB, past what one span reaches; use <see cref="Chunks"/> or <see cref="WriteTo"/>.</exception>
    public ReadOnlySpan<byte> Bytes => _array is not null ? _array
        : _memory!.Length <= int.MaxValue ? _memory.Slice(0, (int)_memory.Length)
        : throw new NotSupportedException($"A tensor of {ByteLength:N0} bytes has no single span (over 2 GiB); read it in chunks.");

    /// <summary>The bytes in pieces of at most <paramref name="chunkBytes"/> (default 64 MiB), in order.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Chunks(int chunkBytes = 64 << 20)
    {
        if (_array is not null)
        {
            for (int offset = 0; offset < _array.Length; offset += chunkBytes)
                yield return _array.AsMemory(offset, Math.Min(chunkBytes, _array.Length - offset));
            yield break;
        }
        var buffer = new byte[(int)Math.Min(chunkBytes, _memory!.Length)];
        for (long offset = 0; offset < _memory.Length; offset += chunkBytes)
        {
            int length = (int)Math.Min(chunkBytes, _memory.Length - offset);
            _memory.Slice(offset, length).CopyTo(buffer);
            yield return buffer.AsMemory(0, length);
        }
        GC.KeepAlive(this);
    }

    /// <summary>
    /// Writes the bytes to <paramref name="stream"/> a piece at a time, without a managed copy of the whole tensor. On a
    /// seekable stream a piece of zeros is skipped rather than written, so runs of zeros become holes in a file (as
    /// <c>cp --sparse</c> makes them) and cost no disk.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        const int piece = 1 << 20;
        long end = stream.CanSeek ? stream.Position + ByteLength : 0;
        for (long offset = 0; offset < ByteLength; offset += piece)
        {
            var bytes = Slice(offset, (int)Math.Min(piece, ByteLength - offset));
            if (stream.CanSeek && !bytes.ContainsAnyExcept((byte)0)) stream.Seek(bytes.Length, SeekOrigin.Current);
            else stream.Write(bytes);
        }
        if (stream.CanSeek && stream.Length < end) stream.SetLength(end);
        GC.KeepAlive(this);
    }

    private ReadOnlySpan<byte> Slice(long offset, int length) =>
        _array is not null ? _array.AsSpan((int)offset, length) : _memory!.Slice(offset, length);

    /// <summary>Copies the bytes to <paramref name="destination"/>, which must hold <see cref="ByteLength"/> bytes.</summary>
    internal unsafe void CopyTo(IntPtr destination)
    {
        if (_array is not null) _array.CopyTo(new Span<byte>((void*)destination, _array.Length));
        else
        {
            Buffer.MemoryCopy((void*)_memory!.Address, (void*)destination, _memory.Length, _memory.Length);
            GC.KeepAlive(this);
        }
    }

    /// <summary>The bytes in place, writable, for a tensor made by <see cref="Allocate"/> and not yet shared.</summary>
    internal Span<byte> Writable(long offset, int length) => ((NativeTensorMemory)_memory!).Writable(offset, length);

    /// <summary>The managed array under the tensor, or null when its bytes are native or mapped.</summary>
    internal byte[]? ManagedBytes => _array;

    /// <summary>The native or mapped memory under the tensor (null: a managed array), for zero-copy hand-over to a runtime.</summary>
    internal TensorMemory? Memory => _memory;

    /// <summary>True when both tensors have the same type, dims and bytes.</summary>
    public bool ContentEquals(TensorData other)
    {
        if (Type != other.Type || !Dims.SequenceEqual(other.Dims)) return false;
        using var mine = Chunks().GetEnumerator();
        using var theirs = other.Chunks().GetEnumerator();
        while (mine.MoveNext() && theirs.MoveNext())
            if (!mine.Current.Span.SequenceEqual(theirs.Current.Span)) return false;
        return true;
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
    /// <exception cref="NotSupportedException">The tensor holds more than <see cref="int.MaxValue"/> elements.</exception>
    public unsafe ReadOnlySpan<T> As<T>() where T : unmanaged
    {
        if (_array is not null) return MemoryMarshal.Cast<byte, T>(_array);
        long count = _memory!.Length / sizeof(T);
        return count <= int.MaxValue ? new ReadOnlySpan<T>((void*)_memory.Address, (int)count)
            : throw new NotSupportedException($"A tensor of {count:N0} elements has no single span; read it in chunks.");
    }

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
        DataType.Bool => As<byte>().ToArray().Select(b => (double)b).ToArray(),
        _ => throw TypeError(DataType.Double),
    };

    private InvalidOperationException TypeError(DataType wanted) =>
        new($"Tensor holds {Type} elements, not {wanted}.");

    /// <summary>The type and dims, like <c>Float[2, 3]</c>; never the contents, which can be large.</summary>
    public override string ToString() => $"{Type}[{string.Join(", ", Dims)}]";
}
