namespace OnnxKto.Data.Readers;

/// <summary>Builds the one error shape every data problem uses: file, row, column, what is wrong, how to fix it.</summary>
internal static class RowErrors
{
    public const string SkipHint = "Fix the row, or set skip_invalid (--skip-invalid) to skip bad rows and count them.";

    public static InvalidDataException At(RowLocation location, string? column, string problem) =>
        new(column is null
            ? $"{location}: {problem} {SkipHint}"
            : $"{location}, column '{column}': {problem} {SkipHint}");

    /// <summary>The message of an error <see cref="At"/> made, without the hint to skip bad rows: for a row that was skipped.</summary>
    public static string WithoutSkipHint(string message) =>
        message.EndsWith(" " + SkipHint, StringComparison.Ordinal) ? message[..^(SkipHint.Length + 1)] : message;
}
