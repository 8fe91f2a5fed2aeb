using System.Text.Json.Nodes;

namespace OnnxKto.Data.Labelling;

/// <summary>
/// <c>--exact COLUMN</c>: a sample is desirable when its completion equals the row's reference column, both with
/// surrounding whitespace trimmed (so <c>" 4 0 2"</c> matches <c>"4 0 2"</c>). A non-string reference is compared as its JSON text.
/// </summary>
public sealed class ExactMatchVerifier(string column) : ISampleVerifier
{
    /// <inheritdoc/>
    public IReadOnlyList<bool> Label(IReadOnlyList<SampleRow> rows) => rows.Select(row =>
    {
        var reference = row.Columns[column] switch
        {
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            { } other => other.ToJsonString(),
            null => throw new InvalidDataException($"{row.Location}, column '{column}': {(row.Columns.ContainsKey(column) ? "is null" : "missing")}; --exact {column} compares each completion with it. " +
                $"Columns found: {string.Join(", ", row.Columns.Select(c => c.Key))}."),
        };
        return row.CompletionText.Trim() == reference.Trim();
    }).ToList();
}
