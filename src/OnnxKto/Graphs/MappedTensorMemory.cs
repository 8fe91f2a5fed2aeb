using System.IO.MemoryMappedFiles;

namespace OnnxKto.Graphs;

/// <summary>
/// A read-only view of bytes <c>offset..offset+length</c> of a file, mapped: pages are read from the file when touched
/// and are clean, so the system can drop and re-read them instead of holding a second copy of a model in memory.
/// The file must not be changed in place while the view lives (OnnxKto replaces files by renaming, which is safe).
/// </summary>
internal sealed unsafe class MappedTensorMemory : TensorMemory
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;

    private MappedTensorMemory(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _pointer = start + view.PointerOffset;
    }

    /// <summary>Maps <paramref name="length"/> (at least 1) bytes of <paramref name="path"/> from <paramref name="offset"/>.</summary>
    /// <exception cref="IOException">The file cannot be opened or mapped.</exception>
    public static MappedTensorMemory Open(string path, long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);  // a view of length 0 would mean "to the end of the file"
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            return new MappedTensorMemory(file, file.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read), length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override IntPtr Address => (IntPtr)_pointer;

    /// <inheritdoc/>
    public override long Length { get; }

    /// <inheritdoc/>
    protected override void Release()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
