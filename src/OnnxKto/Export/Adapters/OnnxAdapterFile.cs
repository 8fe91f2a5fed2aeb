using Google.FlatBuffers;
using OnnxKto.Graphs;

namespace OnnxKto.Export.Adapters;

/// <summary>
/// Writes and reads ONNX Runtime's LoRA adapter files (<c>.onnx_adapter</c>): a FlatBuffer with file identifier <c>TORT</c> whose
/// root table is, in ORT's <c>onnxruntime/lora/adapter_format/adapter_schema.fbs</c>,
/// <c>Adapter { format_version: int; adapter_version: int; model_version: int; parameters: [Parameter] }</c> with
/// <c>Parameter { name: string; dims: [int64]; data_type: TensorDataType (ONNX's TensorProto enum); raw_data: [uint8] (force_align: 8) }</c>.
/// ORT (<c>OrtLoraAdapter</c>, <c>RunOptions.AddActiveLoraAdapter</c>) and ORT GenAI (<c>Adapters.LoadAdapter</c>) feed each
/// parameter to the graph input of the same name.
/// </summary>
/// <remarks>
/// The tables are built with <see cref="FlatBufferBuilder"/> calls, as flatc's generated code would make them; field
/// numbers follow the schema's declaration order. ORT maps <c>raw_data</c> in place as the tensor's memory, hence its
/// 8-byte alignment.
/// </remarks>
public static class OnnxAdapterFile
{
    /// <summary>The adapter format version ORT reads (<c>kAdapterFormatVersion</c>).</summary>
    public const int FormatVersion = 1;

    /// <summary>The FlatBuffer file identifier (bytes 4–7 of the file).</summary>
    public const string FileIdentifier = "TORT";

    /// <summary>The file name exports use, beside <c>model.onnx</c>.</summary>
    public const string DefaultName = "adapter.onnx_adapter";

    // Field numbers (declaration order) of the schema's tables.
    private const int ParameterName = 0, ParameterDims = 1, ParameterDataType = 2, ParameterRawData = 3, ParameterFields = 4;
    private const int AdapterFormatVersion = 0, AdapterAdapterVersion = 1, AdapterModelVersion = 2, AdapterParameters = 3, AdapterFields = 4;

    /// <summary>Writes <paramref name="parameters"/> to <paramref name="path"/> (replaced if present).</summary>
    /// <param name="path">The <c>.onnx_adapter</c> file to write.</param>
    /// <param name="parameters">Tensors by the graph input names they feed, in file order.</param>
    /// <param name="adapterVersion">The adapter's own version number, kept in the file for the serving side.</param>
    /// <param name="modelVersion">The base model's version number, kept in the file for the serving side.</param>
    /// <exception cref="ArgumentException">No parameters, a duplicate or empty name.</exception>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, TensorData>> parameters, int adapterVersion = 0, int modelVersion = 0) =>
        File.WriteAllBytes(path, Serialize(parameters, adapterVersion, modelVersion));

    /// <summary>The file's bytes for <paramref name="parameters"/>; see <see cref="Write"/>.</summary>
    /// <exception cref="ArgumentException">No parameters, a duplicate or empty name.</exception>
    public static byte[] Serialize(IReadOnlyList<KeyValuePair<string, TensorData>> parameters, int adapterVersion = 0, int modelVersion = 0)
    {
        if (parameters.Count == 0) throw new ArgumentException("An adapter file needs at least one parameter.", nameof(parameters));
        if (parameters.FirstOrDefault(p => string.IsNullOrEmpty(p.Key)) is { Value: not null } unnamed)
            throw new ArgumentException($"Adapter parameter {unnamed.Value} has no name; name it after the graph input it feeds.", nameof(parameters));
        if (parameters.GroupBy(p => p.Key).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ArgumentException($"Adapter parameter '{duplicate.Key}' appears {duplicate.Count()} times.", nameof(parameters));

        var builder = new FlatBufferBuilder(1024 + parameters.Sum(p => (int)p.Value.ByteLength + 64));
        var offsets = parameters.Select(p => AddParameter(builder, p.Key, p.Value)).ToArray();
        builder.StartVector(sizeof(int), offsets.Length, sizeof(int));
        for (int i = offsets.Length - 1; i >= 0; i--) builder.AddOffset(offsets[i]);  // vectors are built back to front
        var parameterVector = builder.EndVector();

        builder.StartTable(AdapterFields);
        builder.AddInt(AdapterFormatVersion, FormatVersion, 0);
        builder.AddInt(AdapterAdapterVersion, adapterVersion, 0);
        builder.AddInt(AdapterModelVersion, modelVersion, 0);
        builder.AddOffset(AdapterParameters, parameterVector.Value, 0);
        builder.Finish(builder.EndTable(), FileIdentifier);
        return builder.SizedByteArray();
    }

    /// <summary>Reads the parameters of the adapter file at <paramref name="path"/>, by the graph input names they feed.</summary>
    /// <exception cref="InvalidDataException">Not an adapter file, a format version other than <see cref="FormatVersion"/>, or a malformed parameter; the message names the file.</exception>
    public static IReadOnlyList<KeyValuePair<string, TensorData>> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Deserialize(bytes);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: not a readable .onnx_adapter file ({e.Message}).", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static List<KeyValuePair<string, TensorData>> Deserialize(byte[] bytes)
    {
        if (bytes.Length < 8 || System.Text.Encoding.ASCII.GetString(bytes, 4, 4) != FileIdentifier)
            throw new InvalidDataException($"no '{FileIdentifier}' file identifier; this is not an ONNX Runtime adapter file");
        var buffer = new ByteBuffer(bytes);
        var adapter = new Table(buffer.GetInt(0), buffer);
        int version = Field(adapter, AdapterFormatVersion) is var at && at != 0 ? buffer.GetInt(adapter.bb_pos + at) : 0;
        if (version != FormatVersion) throw new InvalidDataException($"adapter format version {version}; this reader knows version {FormatVersion}");
        int vector = Field(adapter, AdapterParameters);
        if (vector == 0) throw new InvalidDataException("no parameters");
        var parameters = new List<KeyValuePair<string, TensorData>>();
        for (int i = 0, count = adapter.__vector_len(vector), first = adapter.__vector(vector); i < count; i++)
        {
            var parameter = new Table(adapter.__indirect(first + 4 * i), buffer);
            string name = Field(parameter, ParameterName) is var n && n != 0 ? parameter.__string(parameter.bb_pos + n) : "";
            int dimsAt = Field(parameter, ParameterDims), rawAt = Field(parameter, ParameterRawData), typeAt = Field(parameter, ParameterDataType);
            var dims = new long[dimsAt == 0 ? 0 : parameter.__vector_len(dimsAt)];
            for (int d = 0; d < dims.Length; d++) dims[d] = buffer.GetLong(parameter.__vector(dimsAt) + 8 * d);
            var type = (DataType)(typeAt == 0 ? 0 : buffer.GetInt(parameter.bb_pos + typeAt));
            var raw = rawAt == 0 ? [] : bytes.AsSpan(parameter.__vector(rawAt), parameter.__vector_len(rawAt)).ToArray();
            long expected = dims.Aggregate(1L, (a, d) => a * d) * (type == DataType.Float ? 4 : 0);
            if (type != DataType.Float || raw.Length != expected)
                throw new InvalidDataException($"parameter '{name}' is {type}[{string.Join(", ", dims)}] with {raw.Length} bytes; adapters here hold float32 tensors of their dims' size");
            parameters.Add(new(name, new TensorData(type, dims, raw)));
        }
        return parameters;
    }

    // The offset of field number <paramref name="field"/> inside the table, or 0 when absent (flatc's __offset(4 + 2·field)).
    private static int Field(Table table, int field) => table.__offset(4 + 2 * field);

    private static int AddParameter(FlatBufferBuilder builder, string name, TensorData tensor)
    {
        // Strings and vectors first: a table cannot be open while they are written.
        var nameOffset = builder.CreateString(name);
        builder.StartVector(sizeof(long), tensor.Dims.Length, sizeof(long));
        for (int i = tensor.Dims.Length - 1; i >= 0; i--) builder.AddLong(tensor.Dims[i]);
        var dims = builder.EndVector();
        builder.StartVector(1, (int)tensor.ByteLength, 8);
        builder.Add<byte>(tensor.Bytes.ToArray());
        var rawData = builder.EndVector();

        builder.StartTable(ParameterFields);
        builder.AddOffset(ParameterName, nameOffset.Value, 0);
        builder.AddOffset(ParameterDims, dims.Value, 0);
        builder.AddInt(ParameterDataType, (int)tensor.Type, 0);
        builder.AddOffset(ParameterRawData, rawData.Value, 0);
        return builder.EndTable();
    }
}
