using System.Globalization;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Training.Loop;

/// <summary>
/// What a run's checkpoint records about where it stands, under fixed metadata keys (the loss state and the fp16 loss
/// scaler add their own): the cursor a resumed run starts from, and the fingerprints that tie it to its model,
/// artifacts and config.
/// </summary>
/// <param name="Cursor">Updates applied: the plan's update a resumed run starts from.</param>
/// <param name="Epoch">0-based epoch of the last update.</param>
/// <param name="Seed">The data <c>seed</c>.</param>
/// <param name="Artifacts">Full path of the artifacts folder the run trained.</param>
/// <param name="ModelFingerprint">The artifacts' model fingerprint (a checkpoint loads only on artifacts of that model).</param>
/// <param name="ArtifactsConfigFingerprint">The fingerprint of the config the artifacts were generated with.</param>
/// <param name="RunConfigFingerprint">The fingerprint of the run's config.</param>
public sealed record CheckpointMetadata(int Cursor, int Epoch, int Seed, string Artifacts, string ModelFingerprint,
    string ArtifactsConfigFingerprint, string RunConfigFingerprint)
{
    /// <summary>The metadata key of <see cref="Cursor"/>.</summary>
    public const string CursorKey = "cursor";

    /// <summary>The metadata key of <see cref="ModelFingerprint"/>, which the artifacts' own checkpoint carries too.</summary>
    public const string ModelFingerprintKey = "model_fingerprint";

    /// <summary>The metadata of a run of <paramref name="config"/> on <paramref name="manifest"/>'s artifacts at update <paramref name="cursor"/>.</summary>
    public static CheckpointMetadata For(ArtifactManifest manifest, string artifactsFolder, KtoConfig config, int cursor, int epoch) =>
        new(cursor, epoch, config.Data.Seed, Path.GetFullPath(artifactsFolder), manifest.ModelFingerprint, manifest.ConfigFingerprint,
            ArtifactManifest.Fingerprint(config));

    /// <summary>The update a run resumed from a checkpoint with <paramref name="metadata"/> starts from: 0 for the artifacts' own.</summary>
    /// <exception cref="InvalidDataException">A cursor that is not a whole number.</exception>
    public static int CursorOf(IReadOnlyDictionary<string, string> metadata) =>
        !metadata.TryGetValue(CursorKey, out var text) ? 0
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor) ? cursor
        : throw new InvalidDataException($"The checkpoint's metadata has {CursorKey} '{text}', not a number of updates.");

    /// <summary>The metadata as the checkpoint stores it (string keys and values).</summary>
    public Dictionary<string, string> ToDictionary() => new()
    {
        [CursorKey] = Cursor.ToString(CultureInfo.InvariantCulture),
        ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        ["artifacts"] = Artifacts,
        [ModelFingerprintKey] = ModelFingerprint,
        ["artifacts_config_fingerprint"] = ArtifactsConfigFingerprint,
        ["run_config_fingerprint"] = RunConfigFingerprint,
    };
}
