using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Data.Readers;

/// <summary>Reads JSON Lines: one object per line, 1-based line numbers, blank lines ignored.</summary>
internal static class JsonLinesReader
{
    public static IEnumerable<RawRow> Read(string file)
    {
        using var reader = new StreamReader(file);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var location = new RowLocation(file, lineNumber, IsLine: true);
            JsonNode? node;
            string? problem = null;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                node = null;
                problem = $"not valid JSON ({e.Message}).";
            }
            if (problem is null && node is not JsonObject)
                problem = $"expected a JSON object such as {{\"prompt\": ..., \"completion\": ..., \"label\": ...}}, found {Describe(node)}.";
            yield return new RawRow(location, node as JsonObject, problem);
        }
    }

    internal static string Describe(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant();
}
