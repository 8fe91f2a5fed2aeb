using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Parses and validates a safetensors header before any tensor data is touched. The file is untrusted:
/// every length, offset, dtype and shape is checked, and each failure names the file and the tensor.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Larger headers are refused: real checkpoints with tens of thousands of tensors stay far below.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    public required Dictionary<string, SafetensorsTensorInfo> Tensors { get; init; }
    public required Dictionary<string, string> Metadata { get; init; }

    /// <summary>Absolute file offset of the data section (8 + header length).</summary>
    public required long DataStart { get; init; }

    public static SafetensorsHeader Read(SafeFileHandle handle, string path)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Bad(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, lengthBytes, 0, path);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit; the file is corrupt or not safetensors");
        if ((long)headerLength > fileLength - 8)
            throw Bad(path, $"the header length {headerLength} runs past the end of the {fileLength}-byte file; the file is truncated or corrupt");

        var json = new byte[headerLength];
        ReadExactly(handle, json, 8, path);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, path, fileLength - dataStart, dataStart);
    }

    private static SafetensorsHeader Parse(byte[] json, string path, long dataLength, long dataStart)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the header is a JSON {doc.RootElement.ValueKind}, not an object");
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                    ReadMetadata(property.Value, path, metadata);
                else if (!tensors.TryAdd(property.Name, ParseTensor(property.Name, property.Value, path, dataLength)))
                    throw Bad(path, $"tensor '{property.Name}' appears twice in the header");
            }
            CheckNoOverlap(tensors.Values, path);
            return new SafetensorsHeader { Tensors = tensors, Metadata = metadata, DataStart = dataStart };
        }
    }

    private static void ReadMetadata(JsonElement element, string path, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Bad(path, "'__metadata__' must be an object of string values");
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"'__metadata__' entry '{entry.Name}' is a JSON {entry.Value.ValueKind}; safetensors metadata values must be strings");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement entry, string path, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"tensor '{name}': the entry is a JSON {entry.ValueKind}, expected {{dtype, shape, data_offsets}}");
        string dtype = entry.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()!
            : throw Bad(path, $"tensor '{name}': missing or non-string 'dtype'");
        if (!SafetensorsDtypes.TryParse(dtype, out var type))
            throw Bad(path, $"tensor '{name}': unknown dtype '{dtype}'; supported: {SafetensorsDtypes.Supported}");
        long[] shape = ReadLongs(entry, "shape", name, path);
        long[] offsets = ReadLongs(entry, "data_offsets", name, path);
        if (offsets.Length != 2)
            throw Bad(path, $"tensor '{name}': 'data_offsets' has {offsets.Length} values, expected [begin, end]");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] begin after they end");
        if (end > dataLength)
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] run past the {dataLength}-byte data section; the file is truncated or the header lies");

        long expected = ByteCount(shape, type, name, path);
        if (expected != end - begin)
            throw Bad(path, $"tensor '{name}': {dtype} shape [{string.Join(", ", shape)}] needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadLongs(JsonElement entry, string key, string name, string path)
    {
        if (!entry.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}': missing or non-array '{key}'");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw Bad(path, $"tensor '{name}': '{key}' entry {i} is {item.GetRawText()}, expected a non-negative integer");
            values[i++] = v;
        }
        return values;
    }

    private static long ByteCount(long[] shape, DataType type, string name, string path)
    {
        try
        {
            long count = 1;
            foreach (long dim in shape)
                count = checked(count * dim);
            return checked(count * type.SizeInBytes());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows a 64-bit byte count");
        }
    }

    private static void CheckNoOverlap(IEnumerable<SafetensorsTensorInfo> tensors, string path)
    {
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (previous is not null && t.Begin < previous.End)
                throw Bad(path, $"tensor '{t.Name}' (bytes [{t.Begin}, {t.End})) overlaps tensor '{previous.Name}' (bytes [{previous.Begin}, {previous.End}))");
            previous = t;
        }
    }

    public static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
                throw Bad(path, $"the file ended at byte {offset} while reading; was it truncated after opening?");
            buffer = buffer[n..];
            offset += n;
        }
    }

    public static InvalidDataException Bad(string path, string what) =>
        new($"Safetensors file '{path}': {what}.");
}
