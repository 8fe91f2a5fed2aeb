using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Writes safetensors files atomically: the bytes go to <c>&lt;path&gt;.tmp</c>, are flushed to disk, and the
/// temporary file is then renamed over the target, so a crash leaves either the old file or the new one, never a torn one.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (in ordinal name order) and <paramref name="metadata"/> to <paramref name="path"/>,
    /// creating its folder if needed. The header is padded with spaces so the data section starts 8-byte aligned.
    /// <see cref="LazyTensors"/> are streamed: the header comes from their layouts, then each is read and written in
    /// turn, so at most one of them is in memory.
    /// </summary>
    /// <param name="path">Target file, e.g. <c>artifacts/gpt2/checkpoint.safetensors</c>; replaced if it exists.</param>
    /// <param name="tensors">Tensors by name; every <see cref="DataType"/> with a safetensors dtype is accepted and stored as is.</param>
    /// <param name="metadata">The <c>__metadata__</c> string map, e.g. <c>{"step": "100"}</c>; omitted when null or empty.</param>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>.</exception>
    /// <exception cref="NotSupportedException">A tensor's element type has no safetensors dtype.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (tensors.ContainsKey("__metadata__"))
            throw new ArgumentException($"'{path}': '__metadata__' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        var layouts = names.Select(n => tensors is LazyTensors lazy ? lazy.Layout(n) : (tensors[n].Type, tensors[n].Dims)).ToArray();
        byte[] header = Header(names, layouts, metadata);

        AtomicPath.Write(path, temporary =>
        {
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            foreach (var name in names)
                tensors[name].WriteTo(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    private static byte[] Header(string[] names, (DataType Type, long[] Dims)[] layouts, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            for (int i = 0; i < names.Length; i++)
            {
                var (type, dims) = layouts[i];
                json.WriteStartObject(names[i]);
                json.WriteString("dtype", SafetensorsDtypes.NameOf(type));
                json.WriteStartArray("shape");
                foreach (long dim in dims)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += dims.Aggregate(1L, (n, d) => n * d) * type.SizeInBytes());
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad so that 8 + header length is a multiple of 8: the data section then starts aligned.
        int padding = (int)((8 - buffer.Length % 8) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }
}
