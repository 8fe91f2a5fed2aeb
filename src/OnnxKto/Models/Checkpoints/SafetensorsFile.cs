using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// A safetensors file opened for reading (format: 8-byte little-endian header length, JSON header, data).
/// The whole header is validated on <see cref="Open"/>, before any tensor data is read; tensors are then read
/// one at a time by name, so loading a large checkpoint never holds the file twice in memory.
/// </summary>
/// <remarks>
/// F32, F16 and BF16 tensors are returned as <see cref="DataType.Float"/> (exact: every F16 and BF16 value is
/// representable in float32). F64, I64, I32, I8, U8 and BOOL tensors are returned with their own type.
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

    /// <summary>Reads tensor <paramref name="name"/>; F16 and BF16 are widened to float32.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    /// <exception cref="InvalidDataException">The file is shorter than its header said, or the tensor exceeds 2 GiB.</exception>
    public TensorData Read(string name)
    {
        var info = GetInfo(name);
        SafetensorsDtypes.TryParse(info.Dtype, out var stored);
        bool widen = stored is DataType.Float16 or DataType.BFloat16;
        long outBytes = widen ? info.ByteLength * 2 : info.ByteLength;
        if (outBytes > TensorData.MaxBytes)
            throw SafetensorsHeader.Bad(Path, $"tensor '{name}' needs {outBytes} bytes, more than one in-memory tensor can hold");

        var raw = new byte[info.ByteLength];
        SafetensorsHeader.ReadExactly(_handle, raw, _header.DataStart + info.Begin, Path);
        return stored switch
        {
            DataType.Float16 => new TensorData(DataType.Float, info.Shape, WidenHalf(raw)),
            DataType.BFloat16 => new TensorData(DataType.Float, info.Shape, WidenBFloat16(raw)),
            _ => new TensorData(stored, info.Shape, raw),
        };
    }

    private static byte[] WidenHalf(byte[] raw)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(raw);
        var result = new byte[raw.Length * 2];
        var floats = MemoryMarshal.Cast<byte, float>(result.AsSpan());
        for (int i = 0; i < halves.Length; i++)
            floats[i] = (float)halves[i];
        return result;
    }

    // bfloat16 is the upper half of a float32: shifting the bits up is exact.
    private static byte[] WidenBFloat16(byte[] raw)
    {
        var bits = MemoryMarshal.Cast<byte, ushort>(raw);
        var result = new byte[raw.Length * 2];
        var words = MemoryMarshal.Cast<byte, uint>(result.AsSpan());
        for (int i = 0; i < bits.Length; i++)
            words[i] = (uint)bits[i] << 16;
        return result;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
