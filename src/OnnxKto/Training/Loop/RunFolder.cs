using System.Globalization;
using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The output folder of <c>onnx-kto train</c>: <c>metrics.jsonl</c>, <c>checkpoint-&lt;step&gt;/</c> folders and the
/// reference-log-prob cache. Guards against clobbering a run and writes checkpoints atomically.
/// </summary>
internal sealed class RunFolder
{
    public const string MetricsFile = "metrics.jsonl";
    public const string CheckpointPrefix = "checkpoint-";

    public RunFolder(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public string Metrics => System.IO.Path.Combine(Path, MetricsFile);

    public string ReferenceCache(string name) => System.IO.Path.Combine(Path, $"reference_logps{name}.safetensors");

    /// <summary>Complete checkpoints by step (a folder is complete once renamed from its temporary name).</summary>
    public IReadOnlyList<(long Step, string Folder)> Checkpoints() =>
        !Directory.Exists(Path) ? [] : Directory.GetDirectories(Path, CheckpointPrefix + "*")
            .Select(d => (Name: System.IO.Path.GetFileName(d), Folder: d))
            .Where(d => long.TryParse(d.Name[CheckpointPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(d => (long.Parse(d.Name[CheckpointPrefix.Length..], CultureInfo.InvariantCulture), d.Folder))
            .OrderBy(c => c.Item1).ToList();

    /// <summary>The folder of the last complete checkpoint, or null when there is none.</summary>
    public string? LastCheckpoint() => Checkpoints() is [.., var last] ? last.Folder : null;

    /// <summary>
    /// Prepares the folder: a new run needs an empty or absent folder; an existing run is refused unless
    /// <paramref name="resume"/> (continue it) or <paramref name="overwrite"/> (start over) is given.
    /// </summary>
    public void Prepare(bool resume, bool overwrite)
    {
        bool started = File.Exists(Metrics) || Checkpoints().Count > 0;
        if (started && !resume && !overwrite)
            throw new UserError(
                $"'{Path}' already holds a run ({(Checkpoints().Count > 0 ? $"checkpoints up to step {Checkpoints()[^1].Step}" : "metrics.jsonl")}). " +
                "Add --resume to continue it, --overwrite to start over, or choose another --out.");
        if (overwrite && started)
        {
            File.Delete(Metrics);
            foreach (var (_, folder) in Checkpoints()) Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(Path);
        foreach (var stale in Directory.GetDirectories(Path, CheckpointPrefix + "*.tmp")) Directory.Delete(stale, recursive: true);
    }

    /// <summary>Writes a checkpoint folder under a temporary name, then renames it; prunes old ones to <paramref name="keep"/>.</summary>
    public string SaveCheckpoint(TrainingCheckpoint checkpoint, long step, int? keep)
    {
        var final = System.IO.Path.Combine(Path, CheckpointPrefix + step.ToString(CultureInfo.InvariantCulture));
        var temporary = final + ".tmp";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        checkpoint.Save(System.IO.Path.Combine(temporary, ArtifactNames.Checkpoint));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temporary, final);
        if (keep is int limit)
            foreach (var (_, folder) in Checkpoints().SkipLast(limit)) Directory.Delete(folder, recursive: true);
        return final;
    }

    /// <summary>Drops metric lines logged after <paramref name="step"/>, so a resumed run continues the file cleanly.</summary>
    public void TruncateMetricsAfter(long step)
    {
        if (!File.Exists(Metrics)) return;
        // A line torn by a crash mid-write does not parse and is dropped with everything after the checkpoint.
        var kept = File.ReadAllLines(Metrics).Where(line =>
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.TryGetProperty("step", out var s) && s.GetDouble() <= step;
            }
            catch (JsonException) { return false; }
        }).ToList();
        File.WriteAllLines(Metrics, kept);
    }

    /// <summary>Appends one JSON object (non-finite values as null) and flushes it to disk.</summary>
    public void AppendMetrics(IReadOnlyDictionary<string, double> values)
    {
        using var lines = JsonLinesWriter.Append(Metrics);
        lines.WriteObject(values);
        lines.FlushToDisk();
    }
}
