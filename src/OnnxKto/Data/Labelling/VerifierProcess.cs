using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Data.Labelling;

/// <summary>
/// <c>--verifier "CMD"</c>: runs CMD once through <c>/bin/sh -c</c>, writes every row to its standard input as one JSON
/// line, and reads one JSON object per row from its standard output, in order: <c>{"label": true}</c>, or
/// <c>{"score": 0.7}</c> compared with a threshold (desirable when score ≥ threshold), or <c>{"error": "why"}</c> to
/// reject the row. Rows are written on their own task while replies are read, so a verifier that answers as it reads
/// never blocks on a full pipe. Its standard error is collected and quoted when it fails.
/// </summary>
/// <param name="command">The shell command, e.g. <c>python3 check.py</c>.</param>
/// <param name="threshold">The score at which a sample becomes desirable; null when the verifier replies with labels.</param>
public sealed class VerifierProcess(string command, double? threshold = null) : ISampleVerifier
{
    private const int StderrKept = 4000;

    /// <inheritdoc/>
    /// <exception cref="UserError">The verifier could not start, exited early or with an error, or replied too often.</exception>
    /// <exception cref="InvalidDataException">A reply that is malformed or rejects its row, naming the row.</exception>
    public IReadOnlyList<bool> Label(IReadOnlyList<SampleRow> rows)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Start(start);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
                if (e.Data is not null && stderr.Length < StderrKept) stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        var writer = Task.Run(() => WriteRows(process.StandardInput, rows));
        try
        {
            var labels = new List<bool>(rows.Count);
            while (labels.Count < rows.Count)
            {
                var reply = process.StandardOutput.ReadLine();
                if (reply is null) throw Died(process, stderr, $"after replying to {labels.Count} of {rows.Count} rows");
                if (string.IsNullOrWhiteSpace(reply)) continue;
                labels.Add(Parse(reply, rows[labels.Count]));
            }
            var extra = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw Died(process, stderr, $"with exit code {process.ExitCode} after replying to every row");
            if (!string.IsNullOrWhiteSpace(extra))
                throw new UserError($"Verifier '{command}' replied more lines than the {rows.Count} rows it was given; it must print exactly one JSON object per row. Extra: {Quote(extra)}");
            return labels;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            // Broken pipes from a verifier that stopped reading are reported by what it said (or did not), not here.
            try { writer.Wait(); } catch (AggregateException) { }
        }
    }

    private Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new UserError($"Verifier '{command}' could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError($"Verifier '{command}' could not be started through /bin/sh: {e.Message}");
        }
    }

    private static void WriteRows(StreamWriter input, IReadOnlyList<SampleRow> rows)
    {
        try
        {
            foreach (var row in rows)
            {
                input.Write(row.Columns.ToJsonString(JsonLines));
                input.Write('\n');
            }
        }
        finally
        {
            input.Close();
        }
    }

    private static readonly JsonSerializerOptions JsonLines = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private bool Parse(string reply, SampleRow row)
    {
        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(reply) as JsonObject;
        }
        catch (JsonException)
        {
            answer = null;
        }
        string expected = threshold is null ? "{\"label\": true} or {\"label\": false}" : "{\"score\": NUMBER}";
        if (answer is null)
            throw new InvalidDataException($"{row.Location}: the verifier's reply {Quote(reply)} is not a JSON object; expected {expected}.");
        if (answer["error"] is { } error)
            throw new InvalidDataException($"{row.Location}: the verifier rejected the row: {Quote(error is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : error.ToJsonString())}.");
        if (threshold is { } t)
        {
            if (answer["score"] is JsonValue score && score.GetValueKind() == JsonValueKind.Number)
                return double.Parse(score.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) >= t;
            throw new InvalidDataException($"{row.Location}: the verifier's reply {Quote(reply)} has no numeric 'score'; with --threshold it must reply {expected}.");
        }
        if (answer["label"] is JsonValue label && label.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            return label.GetValueKind() == JsonValueKind.True;
        throw new InvalidDataException(answer.ContainsKey("score")
            ? $"{row.Location}: the verifier replied with a score ({Quote(reply)}); give --threshold to turn scores into labels."
            : $"{row.Location}: the verifier's reply {Quote(reply)} has no boolean 'label'; expected {expected}.");
    }

    private UserError Died(Process process, StringBuilder stderr, string when)
    {
        if (!process.WaitForExit(5000)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string errors;
        lock (stderr) errors = stderr.ToString().Trim();
        return new UserError($"Verifier '{command}' exited {(process.ExitCode == 0 ? "" : $"with code {process.ExitCode} ")}{when}." +
            (errors.Length > 0 ? $" Its standard error:\n{errors}" : " It wrote nothing to standard error."),
            "The verifier reads one JSON row per line on stdin and must print one JSON object per row on stdout, e.g. {\"label\": true}.");
    }

    private static string Quote(string text) => text.Length <= 200 ? $"'{text.Trim()}'" : $"'{text[..200].Trim()}...'";
}
