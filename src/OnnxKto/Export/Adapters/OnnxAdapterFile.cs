using Google.FlatBuffers;
using OnnxKto.Graphs;

namespace OnnxKto.Export.Adapters;

/// <summary>
/// Writes ONNX Runtime's LoRA adapter files (<c>.onnx_adapter</c>): a FlatBuffer with file identifier <c>TORT</c> whose
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
