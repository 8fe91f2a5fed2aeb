using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Data.Readers;

/// <summary>
/// Reads a <c>.json</c> file holding an array of row objects (rows numbered from 1). A <c>.json</c> file that starts
/// with an object is read as JSON Lines, since that is what Hugging Face <c>datasets.to_json</c> writes.
/// </summary>
internal static class JsonArrayReader
{
    public static IEnumerable<RawRow> Read(string file)
    {
        if (FirstCharacter(file) == '{') return JsonLinesReader.Read(file);
        JsonNode? root;
        try
        {
            using var stream = File.OpenRead(file);
            root = JsonNode.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{file}, line {e.LineNumber + 1}: not valid JSON ({e.Message}). Fix the file; a .json dataset is an array of row objects.");
        }
        if (root is not JsonArray rows)
            throw new InvalidDataException($"{file}: expected a JSON array of row objects, found {JsonLinesReader.Describe(root)}. Use .jsonl for one object per line.");
        return rows.Select((row, i) => new RawRow(
            new RowLocation(file, i + 1, IsLine: false),
            row as JsonObject,
            row is JsonObject ? null : $"expected a JSON object, found {JsonLinesReader.Describe(row)}."));
    }

    private static int FirstCharacter(string file)
    {
        using var reader = new StreamReader(file);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c)) { }
        return c;
    }
}
