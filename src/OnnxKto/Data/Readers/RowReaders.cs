namespace OnnxKto.Data.Readers;

/// <summary>The reader for a data file, chosen by its extension: Parquet, JSON Lines, or a JSON array.</summary>
internal static class RowReaders
{
    /// <summary>The rows of <paramref name="file"/>; Parquet keeps only KTO's columns unless <paramref name="allColumns"/>.</summary>
    /// <exception cref="InvalidDataException">An unknown extension.</exception>
    public static IEnumerable<RawRow> Read(string file, bool allColumns = false) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".parquet" => ParquetRowReader.Read(file, allColumns),
        ".jsonl" => JsonLinesReader.Read(file),
        ".json" => JsonArrayReader.Read(file),
        var other => throw new InvalidDataException($"{file}: unknown dataset extension '{other}'. Use .parquet, .jsonl or .json."),
    };
}
