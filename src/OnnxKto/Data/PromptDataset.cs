using System.Text.Json.Nodes;
using OnnxKto.Data.Readers;

namespace OnnxKto.Data;

/// <summary>
/// Rows with a <c>prompt</c> column (text, or a list of <c>{role, content}</c> messages) or, pre-tokenized, a
/// <c>prompt_ids</c> column, read from Parquet, JSONL or JSON files in file order, every row kept and every other column carried along: what <c>generate --data</c> completes.
/// </summary>
public static class PromptDataset
{
    /// <summary>The rows of <paramref name="path"/> (a file, a folder of shards, or a glob), in order.</summary>
    /// <exception cref="FileNotFoundException">Nothing matches <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A row that cannot be read, or whose <c>prompt</c> is missing or neither
    /// text nor messages; the message names the file, the row and the column.</exception>
    public static IReadOnlyList<PromptRow> Load(string path)
    {
        var rows = new List<PromptRow>();
        foreach (var file in DataFiles.Expand(path))
            foreach (var row in RowReaders.Read(file, allColumns: true))
                rows.Add(Parse(row));
        return rows;
    }

    private static PromptRow Parse(RawRow row)
    {
        var at = row.Location;
        if (row.Columns is not { } columns) throw new InvalidDataException($"{at}: {row.Unreadable} Fix the row.");
        if (!columns.ContainsKey("prompt") && columns.ContainsKey("prompt_ids"))
            return new PromptRow(at, null, null, columns) { Ids = RowParser.Ids(columns, "prompt_ids", at, allowEmpty: true) };
        return columns["prompt"] switch
        {
            JsonValue text when RowParser.IsString(text) => new PromptRow(at, text.GetValue<string>(), null, columns),
            JsonArray messages => new PromptRow(at, null, RowParser.Messages(messages, "prompt", at), columns),
            var other => throw new InvalidDataException(columns.ContainsKey("prompt")
                ? $"{at}, column 'prompt': expected a string or a list of {{role, content}} messages, found {RowParser.Describe(other)}."
                : $"{at}, column 'prompt': missing. Columns found: {string.Join(", ", columns.Select(c => c.Key))}. Every row to complete needs a prompt (or prompt_ids)."),
        };
    }
}
