using System.Text.Json;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// One demo stage's output folder. A stage is complete when its <c>complete.json</c> holds the fingerprint of the
/// settings that produced it; a complete stage is reused, anything else is rebuilt from scratch.
/// </summary>
public sealed class StageFolder(string root, string name, object settings)
{
    private const string Marker = "complete.json", Started = "started.json";
    private readonly string _fingerprint = ArtifactManifest.Fingerprint(settings);

    public string Path { get; } = System.IO.Path.Combine(root, name);

    /// <summary>Fingerprint of this stage's settings; later stages include it in theirs, so upstream changes propagate.</summary>
    public string Fingerprint => _fingerprint;
    public string Name => name;

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public bool IsComplete => HoldsOurs(Marker);

    private bool HoldsOurs(string marker) =>
        System.IO.File.Exists(File(marker)) &&
        JsonDocument.Parse(System.IO.File.ReadAllText(File(marker))).RootElement.GetProperty("fingerprint").GetString() == _fingerprint;

    /// <summary>Clears a stale or partial folder before the stage runs.</summary>
    public void Reset()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        Directory.CreateDirectory(Path);
    }

    /// <summary>
    /// For a stage that resumes its own partial work (the online loop): clears the folder unless an earlier run of
    /// the same settings started it, and records that this one did.
    /// </summary>
    public void ResumeOrReset()
    {
        if (!HoldsOurs(Started)) Reset();
        System.IO.File.WriteAllText(File(Started), JsonSerializer.Serialize(new { fingerprint = _fingerprint }));
    }

    public void MarkComplete(object summary) =>
        System.IO.File.WriteAllText(File(Marker), JsonSerializer.Serialize(new { fingerprint = _fingerprint, summary }, Json));

    /// <summary>The summary <see cref="MarkComplete"/> wrote, read back as <typeparamref name="T"/>.</summary>
    public T Summary<T>() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(File(Marker))).RootElement.GetProperty("summary").Deserialize<T>(Json)
        ?? throw new InvalidDataException($"{File(Marker)} has no summary.");

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
