using System.Runtime.InteropServices;

namespace OnnxKto.Graphs;

/// <summary>
/// Element type conversions between float32 and the 16-bit float types, a piece at a time so that tensors of any size
/// convert without a managed copy of the whole: float16 and bfloat16 widen exactly; float32 narrows with
/// round-to-nearest-even (bfloat16 as PyTorch's <c>tensor.to(torch.bfloat16)</c>, float16 as <see cref="Half"/>).
/// </summary>
public static class TensorCasts
{
    private const int Piece = 1 << 22;  // elements per piece

    /// <summary>The element types <see cref="To"/> converts between.</summary>
    public static bool IsFloatingPoint(DataType type) => type is DataType.Float or DataType.Float16 or DataType.BFloat16;

    /// <summary><paramref name="tensor"/> as <paramref name="type"/>: itself when it already is, else a converted copy.</summary>
    /// <exception cref="NotSupportedException">Either type is not float32, float16 or bfloat16.</exception>
    public static TensorData To(TensorData tensor, DataType type)
    {
        if (tensor.Type == type) return tensor;
        if (!IsFloatingPoint(tensor.Type) || !IsFloatingPoint(type))
            throw new NotSupportedException($"No conversion from {tensor.Type} to {type}; only float32, float16 and bfloat16 convert.");
        if (tensor.Type != DataType.Float && type != DataType.Float) return To(To(tensor, DataType.Float), type);
        var result = TensorData.Allocate(type, tensor.Dims);
        int inSize = tensor.Type.SizeInBytes(), outSize = type.SizeInBytes();
        long count = tensor.ElementCount;
        var source = tensor.Memory;
        for (long start = 0; start < count; start += Piece)
        {
            int n = (int)Math.Min(Piece, count - start);
            var from = source is null ? tensor.Bytes.Slice((int)(start * inSize), n * inSize) : source.Slice(start * inSize, n * inSize);
            var to = result.Writable(start * outSize, n * outSize);
            switch (tensor.Type, type)
            {
                case (DataType.BFloat16, _): WidenBFloat16(MemoryMarshal.Cast<byte, ushort>(from), MemoryMarshal.Cast<byte, uint>(to)); break;
                case (DataType.Float16, _): WidenHalf(MemoryMarshal.Cast<byte, Half>(from), MemoryMarshal.Cast<byte, float>(to)); break;
                case (_, DataType.BFloat16): NarrowBFloat16(MemoryMarshal.Cast<byte, uint>(from), MemoryMarshal.Cast<byte, ushort>(to)); break;
                default: NarrowHalf(MemoryMarshal.Cast<byte, float>(from), MemoryMarshal.Cast<byte, Half>(to)); break;
            }
        }
        GC.KeepAlive(tensor);
        return result;
    }

    /// <summary>float32 bits → bfloat16 bits, rounding to nearest even (NaN stays NaN).</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>bfloat16 bits → float32 (exact: a bfloat16 is the upper half of a float32).</summary>
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static void WidenBFloat16(ReadOnlySpan<ushort> from, Span<uint> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = (uint)from[i] << 16;
    }

    private static void WidenHalf(ReadOnlySpan<Half> from, Span<float> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = (float)from[i];
    }

    private static void NarrowBFloat16(ReadOnlySpan<uint> from, Span<ushort> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = ToBFloat16(BitConverter.UInt32BitsToSingle(from[i]));
    }

    private static void NarrowHalf(ReadOnlySpan<float> from, Span<Half> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = (Half)from[i];
    }
}
