using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>The safetensors dtype names OnnxKto reads and writes, and how they map onto <see cref="DataType"/>.</summary>
internal static class SafetensorsDtypes
{
    private static readonly Dictionary<string, DataType> ByName = new(StringComparer.Ordinal)
    {
        ["F32"] = DataType.Float,
        ["F16"] = DataType.Float16,
        ["BF16"] = DataType.BFloat16,
        ["F64"] = DataType.Double,
        ["I64"] = DataType.Int64,
        ["I32"] = DataType.Int32,
        ["I8"] = DataType.Int8,
        ["U8"] = DataType.UInt8,
        ["BOOL"] = DataType.Bool,
    };

    /// <summary>Every supported name, for error messages.</summary>
    public static string Supported => string.Join(", ", ByName.Keys);

    public static bool TryParse(string name, out DataType type) => ByName.TryGetValue(name, out type);

    public static string NameOf(DataType type) =>
        ByName.FirstOrDefault(kv => kv.Value == type).Key
        ?? throw new NotSupportedException($"Element type {type} has no safetensors dtype; supported: {Supported}.");
}
