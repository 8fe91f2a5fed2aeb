using System.Runtime.InteropServices;

namespace OnnxKto.Graphs;

/// <summary>
/// Zero-filled native memory (calloc: large blocks are mapped pages that cost nothing until written), announced to
/// the garbage collector as memory pressure so that unreferenced tensors are finalized and freed in good time.
/// </summary>
internal sealed unsafe class NativeTensorMemory : TensorMemory
{
    private readonly void* _pointer;

    /// <summary><paramref name="length"/> zero bytes.</summary>
    /// <exception cref="OutOfMemoryException">The system has no room for them.</exception>
    public NativeTensorMemory(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pointer = NativeMemory.AllocZeroed((nuint)Math.Max(length, 1));
        Length = length;
        if (length > 0) GC.AddMemoryPressure(length);
    }

    /// <inheritdoc/>
    public override IntPtr Address => (IntPtr)_pointer;

    /// <inheritdoc/>
    public override long Length { get; }

    /// <summary>The bytes in place, writable.</summary>
    public Span<byte> Writable(long offset, int length) => new((byte*)_pointer + offset, length);

    /// <inheritdoc/>
    protected override void Release()
    {
        NativeMemory.Free(_pointer);
        if (Length > 0) GC.RemoveMemoryPressure(Length);
    }
}
