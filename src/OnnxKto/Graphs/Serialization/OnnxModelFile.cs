using Google.Protobuf;
using Onnx;

namespace OnnxKto.Graphs.Serialization;

/// <summary>
/// Reads and writes <c>.onnx</c> files. Large models keep their initializers in an external data file
/// beside the model (<c>model.onnx.data</c>), as ONNX requires past protobuf's 2 GiB limit.
/// </summary>
public static class OnnxModelFile
{
    /// <summary>Initializers at least this large go to the external data file when it is used.</summary>
    public const int ExternalThresholdBytes = 1024;

    /// <summary>Above this many initializer bytes, <see cref="Save"/> uses external data on its own.</summary>
    public const long AutoExternalBytes = 1L << 30;

    // ORT memory-maps external data; page alignment keeps each tensor mappable on its own.
    private const int Alignment = 4096;

    /// <summary>Serializes a graph (all data embedded) for an in-memory session.</summary>
    public static byte[] ToBytes(Graph graph)
    {
        long total = graph.Initializers.Sum(i => i.Data!.ByteLength);
        if (total > int.MaxValue - (64 << 20))
            throw new InvalidOperationException(
                $"Graph '{graph.Name}' holds {total >> 20} MiB of initializers, past protobuf's 2 GiB limit; save it with external data instead.");
        return OnnxProtoConverter.ToProto(graph).ToByteArray();
    }

    /// <summary>
    /// Writes <paramref name="graph"/> to <paramref name="path"/>. With <paramref name="externalData"/> true
    /// (or automatically past <see cref="AutoExternalBytes"/>), initializers of <see cref="ExternalThresholdBytes"/>
    /// or more go to <c>&lt;file&gt;.data</c> beside it. Both files are written to temporary names and renamed.
    /// </summary>
    public static void Save(Graph graph, string path, bool? externalData = null)
    {
        bool external = externalData ?? graph.Initializers.Sum(i => i.Data!.ByteLength) > AutoExternalBytes;
        string dataName = Path.GetFileName(path) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, dataName);
        // The data file is renamed into place before the model that points into it.
        ModelProto? proto = external ? null : OnnxProtoConverter.ToProto(graph);
        if (external)
            AtomicPath.Write(dataPath, temporary =>
            {
                using var data = new FileStream(temporary, FileMode.Create, FileAccess.Write);
                proto = OnnxProtoConverter.ToProto(graph, v =>
                {
                    if (v.Data!.ByteLength < ExternalThresholdBytes) return null;
                    long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
                    data.SetLength(offset);
                    data.Position = offset;
                    v.Data.WriteTo(data);
                    return [("location", dataName), ("offset", offset.ToString()), ("length", v.Data.ByteLength.ToString())];
                });
                data.Flush(flushToDisk: true);
            });
        AtomicPath.Write(path, temporary =>
        {
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write);
            proto!.WriteTo(file);
            file.Flush(flushToDisk: true);
        });
    }

    /// <summary>
    /// Reads an ONNX model. External data must lie inside the model's folder: a location that is absolute
    /// or climbs out of it, or an offset/length past the end of the data file, is refused.
    /// </summary>
    /// <exception cref="InvalidDataException">Naming the file and tensor, for malformed or unsafe models.</exception>
    public static Graph Load(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return OnnxProtoConverter.FromProto(Parse(path), t => ReadExternal(t, folder, path), path);
    }

    /// <summary>
    /// Checks, without reading the weights, that every external-data entry of the model at <paramref name="path"/>
    /// names a file inside the model's folder and a byte range inside that file: call it before a runtime loads an
    /// untrusted model by path.
    /// </summary>
    /// <exception cref="InvalidDataException">Naming the file and tensor, for malformed or unsafe models.</exception>
    public static void CheckExternalData(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var tensor in Parse(path).Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
            LocateExternal(tensor, folder, path);
    }

    private static ModelProto Parse(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a valid ONNX model ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Resolves an external-data entry to a file inside <paramref name="folder"/>, refusing anything else.
    /// </summary>
    public static string ResolveExternalLocation(string location, string folder, string source, string tensor)
    {
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (string.IsNullOrEmpty(location) || Path.IsPathRooted(location))
            throw new InvalidDataException($"{source}: tensor '{tensor}' has external data at '{location}', which is not a path relative to the model folder.");
        var full = Path.GetFullPath(Path.Combine(root, location));
        // A link inside the folder that points outside it escapes just the same.
        var target = File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName : null;
        if (!full.StartsWith(root, StringComparison.Ordinal) || (target is not null && !target.StartsWith(root, StringComparison.Ordinal)))
            throw new InvalidDataException($"{source}: tensor '{tensor}' has external data at '{location}', which lies outside the model folder {root}.");
        return full;
    }

    // Mapped, not read: a model's weights are not copied into memory, and a tensor may pass 2 GiB.
    private static TensorMemory? ReadExternal(TensorProto t, string folder, string source)
    {
        var (file, offset, length) = LocateExternal(t, folder, source);
        return length == 0 ? null : MappedTensorMemory.Open(file, offset, length);
    }

    /// <summary>The file and byte range of an external tensor, refused unless both lie where they should.</summary>
    private static (string File, long Offset, long Length) LocateExternal(TensorProto t, string folder, string source)
    {
        var entries = t.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (!entries.TryGetValue("location", out var location))
            throw new InvalidDataException($"{source}: tensor '{t.Name}' is external but names no location.");
        var file = ResolveExternalLocation(location, folder, source, t.Name);
        if (!File.Exists(file))
            throw new InvalidDataException($"{source}: tensor '{t.Name}' needs external data file '{location}', which does not exist.");
        long offset = entries.TryGetValue("offset", out var o) ? long.Parse(o) : 0;
        long fileLength = new FileInfo(file).Length;
        long length = entries.TryGetValue("length", out var l) ? long.Parse(l) : fileLength - offset;
        if (offset < 0 || length < 0 || offset + length > fileLength)
            throw new InvalidDataException(
                $"{source}: tensor '{t.Name}' claims bytes {offset}..{offset + length} of '{location}', which holds only {fileLength}.");
        return (file, offset, length);
    }
}
