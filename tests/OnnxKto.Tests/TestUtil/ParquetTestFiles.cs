using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace OnnxKto.Tests.TestUtil;

/// <summary>Writes Parquet files in the Hugging Face layouts (string columns, list&lt;struct{content, role}&gt; messages).</summary>
internal static class ParquetTestFiles
{
    /// <summary>A message-list column as in trl-lib/kto-mix-14k: list&lt;struct{content: string, role: string}&gt;.</summary>
    public static ListField Messages(string name) =>
        new(name, new StructField("element", new DataField<string>("content"), new DataField<string>("role")));

    public static List<Dictionary<string, object?>> Turns(params (string Role, string Content)[] turns) =>
        [.. turns.Select(t => new Dictionary<string, object?> { ["content"] = t.Content, ["role"] = t.Role })];

    /// <summary>Writes <paramref name="rows"/> in row groups of <paramref name="rowGroupSize"/> rows.</summary>
    public static void Write(string path, ParquetSchema schema, IReadOnlyCollection<IDictionary<string, object?>> rows, int rowGroupSize)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        ParquetSerializer.SerializeUntypedAsync(rows, schema, file, new ParquetOptions { RowGroupSize = rowGroupSize }).GetAwaiter().GetResult();
    }

    public static int RowGroupCount(string path)
    {
        using var file = File.OpenRead(path);
        var reader = ParquetReader.CreateAsync(file).GetAwaiter().GetResult();
        try
        {
            return reader.RowGroupCount;
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
