using System.Text.Json.Nodes;
using OnnxKto.Data.Readers;

namespace OnnxKto.Data.Labelling;

/// <summary>One row to label: where it came from and all its columns (as <c>generate --data</c> wrote them).</summary>
/// <param name="Location">File and 1-based line or row, for errors.</param>
/// <param name="Columns">The row's columns.</param>
public sealed record SampleRow(RowLocation Location, JsonObject Columns)
{
    /// <summary>
    /// The <c>completion</c> column's text: the string itself, or the contents of a message list joined (a
    /// conversational completion is one assistant message).
    /// </summary>
    /// <exception cref="InvalidDataException">No completion, or one that is neither text nor messages.</exception>
    public string CompletionText => Columns["completion"] switch
    {
        JsonValue text when RowParser.IsString(text) => text.GetValue<string>(),
        JsonArray messages => string.Concat(RowParser.Messages(messages, "completion", Location).Select(m => m.Content)),
        var other => throw new InvalidDataException($"{Location}, column 'completion': expected text or a list of messages, found {RowParser.Describe(other)}. " +
            "Label the output of onnx-kto generate --data, whose lines carry the completion."),
    };

    /// <summary>The rows of <paramref name="path"/> (a file, folder or glob), every column kept, in order.</summary>
    /// <exception cref="InvalidDataException">A line that is not a JSON object.</exception>
    public static IReadOnlyList<SampleRow> Load(string path) =>
        DataFiles.Expand(path).SelectMany(file => RowReaders.Read(file, allColumns: true)).Select(row => row.Columns is { } columns
            ? new SampleRow(row.Location, columns)
            : throw new InvalidDataException($"{row.Location}: {row.Unreadable} Fix the row.")).ToList();
}
