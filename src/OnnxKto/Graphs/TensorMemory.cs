namespace OnnxKto.Graphs;

/// <summary>
/// A tensor's bytes outside the managed heap, of any length (a .NET array stops at 2 GiB): native memory the
/// tensor owns (<see cref="NativeTensorMemory"/>) or a read-only view of a mapped file (<see cref="MappedTensorMemory"/>).
/// The memory lives until <see cref="Dispose"/> or, failing that, until the garbage collector finalizes it.
/// </summary>
internal abstract class TensorMemory : IDisposable
{
    private int _disposed;

    /// <summary>The first byte; valid until the memory is disposed or collected (keep its owner alive while using it).</summary>
    public abstract IntPtr Address { get; }

    /// <summary>How many bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Bytes <paramref name="offset"/>..<paramref name="offset"/>+<paramref name="length"/> in place.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the memory.</exception>
    public unsafe ReadOnlySpan<byte> Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes [{offset}, {offset + length}) leave a block of {Length}.");
        return new ReadOnlySpan<byte>((byte*)Address + offset, length);
    }

    /// <summary>Releases the memory now (idempotent).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the memory if <see cref="Dispose"/> was never called.</summary>
    ~TensorMemory()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Release();
    }

    /// <summary>Frees or unmaps the memory; called once.</summary>
    protected abstract void Release();
}
