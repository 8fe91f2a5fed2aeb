using System.Collections;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Serialization;

namespace OnnxKto.Data.Readers;

/// <summary>
/// Reads Parquet files row group by row group (rows numbered from 1 across groups), keeping only the columns KTO uses:
/// strings, booleans, integers, lists (<c>prompt_ids</c>) and lists of <c>struct{content, role}</c> messages; with
/// <c>allColumns</c>, every column (for rows whose other columns pass through, as <c>generate --data</c> does).
/// </summary>
internal static class ParquetRowReader
{
    public static IEnumerable<RawRow> Read(string file, bool allColumns = false)
    {
        using var stream = File.OpenRead(file);
        var (groups, columns) = ReadLayout(stream, file, allColumns);
        var row = 0;
        for (var g = 0; g < groups; g++)
        {
            // Parquet.Net 6's untyped reader assembles nested lists and structs for us; it leaves a null value's key out
            // of the row dictionary, so the schema's column list tells a null apart from a missing column.
            var group = ReadGroup(stream, g, file);
            foreach (var values in group.Data)
            {
                row++;
                var json = new JsonObject();
                foreach (var column in columns)
                    json[column] = values.TryGetValue(column, out var value) ? ToJson(value) : null;
                yield return new RawRow(new RowLocation(file, row, IsLine: false), json, null);
            }
        }
    }

    private static DeserializationResult<Dictionary<string, object>> ReadGroup(Stream stream, int group, string file)
    {
        try
        {
            return ParquetSerializer.DeserializeUntypedAsync(stream, rowGroupIndex: group).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"{file}: row group {group + 1} cannot be read ({e.Message}). The file may be truncated or use a column type Parquet.Net cannot read.");
        }
    }

    private static (int Groups, string[] Columns) ReadLayout(Stream stream, string file, bool allColumns)
    {
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{file}: not a Parquet file ({e.Message}). Check the file is complete, or give it the extension of its real format (.jsonl, .json).");
        }
        try
        {
            var columns = reader.Schema.Fields.Select(f => f.Name).Where(name => allColumns || RowParser.KnownColumns.Contains(name)).ToArray();
            return (reader.RowGroupCount, columns);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> m => JsonValue.Create(m.ToString()),
        bool b => JsonValue.Create(b),
        sbyte or byte or short or ushort or int or uint or long => JsonValue.Create(Convert.ToInt64(value)),
        float or double => JsonValue.Create(Convert.ToDouble(value)),
        IDictionary<string, object?> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, ToJson(kv.Value)))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };
}
