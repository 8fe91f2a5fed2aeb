using System.Text.Encodings.Web;
using System.Text.Json;

namespace OnnxKto.Data;

/// <summary>
/// Writes JSON Lines: one JSON object per line, UTF-8, with text left readable (<c>é</c>, <c>+</c>, <c>&lt;</c> are not
/// escaped), as Hugging Face <c>datasets</c> and TRL write them. Every <c>.jsonl</c> onnx-kto writes goes through it:
/// datasets, completions, log-probs and the run's <c>metrics.jsonl</c>.
/// </summary>
/// <example>
/// <code>
/// using var lines = JsonLinesWriter.Create("completions.jsonl");
/// lines.WriteObject(json => { json.WriteString("prompt", "2+2="); json.WriteString("completion", "4"); });
/// </code>
/// </example>
public sealed class JsonLinesWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FileStream _file;
    private readonly Utf8JsonWriter _json;

    private JsonLinesWriter(FileStream file)
    {
        _file = file;
        _json = new Utf8JsonWriter(file, Options);
    }

    /// <summary>Starts <paramref name="path"/> afresh (replacing the file); its folder must exist.</summary>
    public static JsonLinesWriter Create(string path) => new(File.Create(path));

    /// <summary>Adds lines at the end of <paramref name="path"/>, creating it when absent.</summary>
    public static JsonLinesWriter Append(string path) => new(new FileStream(path, FileMode.Append, FileAccess.Write));

    /// <summary>Writes one line: an object whose properties <paramref name="writeProperties"/> writes.</summary>
    /// <param name="writeProperties">Writes the properties, e.g. <c>json =&gt; json.WriteBoolean("label", true)</c>.</param>
    public void WriteObject(Action<Utf8JsonWriter> writeProperties)
    {
        _json.WriteStartObject();
        writeProperties(_json);
        _json.WriteEndObject();
        _json.Flush();
        _json.Reset(); // the next line is a new top-level value
        _file.WriteByte((byte)'\n');
    }

    /// <summary>Writes one line of numbers; a non-finite value is written as <c>null</c>, which JSON allows where NaN it does not.</summary>
    public void WriteObject(IEnumerable<KeyValuePair<string, double>> numbers) => WriteObject(json =>
    {
        foreach (var (key, value) in numbers)
            if (double.IsFinite(value)) json.WriteNumber(key, value);
            else json.WriteNull(key);
    });

    /// <summary>Pushes what was written through to the disk, so a crash right after loses none of it.</summary>
    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }
}
