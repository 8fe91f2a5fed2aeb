using Microsoft.Win32.SafeHandles;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// A safetensors file opened for reading (format: 8-byte little-endian header length, JSON header, data).
/// The whole header is validated on <see cref="Open"/>, before any tensor data is read; tensors are then read
/// one at a time by name, each mapped from the file, so loading a large checkpoint never holds the file twice in memory.
/// </summary>
/// <remarks>
/// F32, F16 and BF16 tensors are returned as <see cref="DataType.Float"/> (exact: every F16 and BF16 value is
/// representable in float32) unless the caller keeps their own type. F64, I64, I32, I8, U8 and BOOL tensors are returned with their own type.
/// </remarks>
internal sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly SafetensorsHeader _header;

    private SafetensorsFile(string path, SafeFileHandle handle, SafetensorsHeader header)
    {
        Path = path;
        _handle = handle;
        _header = header;
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Tensor names in data order.</summary>
    public IReadOnlyList<string> TensorNames => _header.Tensors.Values.OrderBy(t => t.Begin).Select(t => t.Name).ToArray();

    /// <summary>Opens <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The header is malformed or lies: a length past the end of the file, invalid JSON, an unknown dtype,
    /// a shape that disagrees with the byte range, offsets past the data section, or overlapping tensors.
    /// </exception>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new SafetensorsFile(path, handle, SafetensorsHeader.Read(handle, path));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>The validated header entry of <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafetensorsTensorInfo GetInfo(string name) =>
        _header.Tensors.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Safetensors file '{Path}' has no tensor '{name}' ({_header.Tensors.Count} tensors present).");

    /// <summary>
    /// Tensor <paramref name="name"/>, mapped from the file (not copied into memory; pages are read when touched).
    /// F16 and BF16 are widened to float32 (a converted copy) unless <paramref name="widen"/> is false.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public TensorData Read(string name, bool widen = true)
    {
        var info = GetInfo(name);
        SafetensorsDtypes.TryParse(info.Dtype, out var stored);
        if (info.ByteLength == 0) return new TensorData(widen && TensorCasts.IsFloatingPoint(stored) ? DataType.Float : stored, info.Shape, []);
        var mapped = new TensorData(stored, info.Shape, MappedTensorMemory.Open(Path, _header.DataStart + info.Begin, info.ByteLength));
        return widen && stored is DataType.Float16 or DataType.BFloat16 ? TensorCasts.To(mapped, DataType.Float) : mapped;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
