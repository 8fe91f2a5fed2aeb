namespace OnnxKto.Data;

/// <summary>Where a dataset row came from: the file and the 1-based line (JSONL) or row (Parquet, JSON array).</summary>
/// <param name="File">Path of the data file, as given or found by a folder or glob.</param>
/// <param name="Row">1-based line number for JSONL, 1-based row number otherwise.</param>
/// <param name="IsLine">True when <paramref name="Row"/> counts lines of a JSONL file.</param>
public sealed record RowLocation(string File, int Row, bool IsLine)
{
    /// <summary>For example <c>data/train.jsonl, line 3</c> or <c>data/train-00000.parquet, row 12</c>.</summary>
    public override string ToString() => $"{File}, {(IsLine ? "line" : "row")} {Row}";
}
