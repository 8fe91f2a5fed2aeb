using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Training.Artifacts;

/// <summary>One parameter as the manifest records it.</summary>
public sealed record ManifestParameter(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("trainable")] bool Trainable,
    [property: JsonPropertyName("decay")] bool Decay);

/// <summary>
/// <c>manifest.json</c>: what an artifact folder holds and how it was made, so the runtime and the exporter need
/// nothing else. Fingerprints let runs and caches notice when the model or config changed.
/// </summary>
public sealed record ArtifactManifest
{
    /// <summary>Version 2: <see cref="Config"/> is written with the keys of <c>kto.yaml</c>.</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary><see cref="CurrentFormatVersion"/> when written; <see cref="Load"/> refuses any other.</summary>
    [JsonPropertyName("format_version")] public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The model folder's full path, or <c>preset:NAME</c>.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }

    /// <summary>The model's architecture, so the runtime and the exporter need not reread the model folder.</summary>
    [JsonPropertyName("model_config")] public required ModelConfig ModelConfig { get; init; }

    /// <summary>The config the graphs were built with, as <c>kto.yaml</c> keys (<see cref="KtoConfigJsonConverter"/>).</summary>
    [JsonPropertyName("config")] public required KtoConfig Config { get; init; }

    /// <summary>Every parameter of the model, in declaration order, trainable or frozen.</summary>
    [JsonPropertyName("parameters")] public required IReadOnlyList<ManifestParameter> Parameters { get; init; }

    /// <summary>Optimizer state tensor names, in the order of <see cref="Parameters"/>' trainable ones.</summary>
    [JsonPropertyName("optimizer_state")] public required IReadOnlyList<string> OptimizerState { get; init; }

    /// <summary>Input and output names of each graph, by file name.</summary>
    [JsonPropertyName("graphs")] public required IReadOnlyDictionary<string, GraphInterface> Graphs { get; init; }

    /// <summary>A <see cref="Fingerprint"/> of the model: its configuration and a hash of each weight's first 64 KiB.</summary>
    [JsonPropertyName("model_fingerprint")] public required string ModelFingerprint { get; init; }

    /// <summary>A <see cref="Fingerprint"/> of the config the graphs bake in.</summary>
    [JsonPropertyName("config_fingerprint")] public required string ConfigFingerprint { get; init; }

    /// <summary>
    /// The element type of the frozen parameters in the checkpoint and the graphs' inputs (<c>base_dtype</c> resolved):
    /// float32, or a LoRA base's bfloat16 or float16. Trainable parameters are float32.
    /// </summary>
    [JsonPropertyName("base_type")] public DataType BaseType { get; init; } = DataType.Float;

    /// <summary>How manifests are written and read: indented snake_case, enums as snake_case strings.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The manifest as <c>manifest.json</c> holds it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <c>manifest.json</c> from an artifact folder.</summary>
    /// <exception cref="InvalidDataException">Missing, malformed, or of another format version.</exception>
    public static ArtifactManifest Load(string artifactsFolder)
    {
        var path = Path.Combine(artifactsFolder, ArtifactNames.Manifest);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{artifactsFolder}' is not an artifact folder: {ArtifactNames.Manifest} is missing. Create one with 'onnx-kto artifacts'.", path);
        var text = File.ReadAllText(path);
        try
        {
            // The version first: an older manifest's config has other keys, and should be regenerated, not misread.
            var version = JsonSerializer.Deserialize<VersionOnly>(text, Json)?.FormatVersion;
            if (version != CurrentFormatVersion)
                throw new InvalidDataException($"{path}: format version {version} is not {CurrentFormatVersion}; regenerate the artifacts with this version of onnx-kto.");
            return JsonSerializer.Deserialize<ArtifactManifest>(text, Json)
                ?? throw new InvalidDataException($"{path}: not a valid manifest (null).");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid manifest ({e.Message}).", e); }
    }

    private sealed record VersionOnly([property: JsonPropertyName("format_version")] int FormatVersion);

    /// <summary>SHA-256 (hex, first 16 bytes) of a value's JSON form.</summary>
    public static string Fingerprint(object value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, Json))))[..32];
}

/// <summary>A graph's input and output names.</summary>
public sealed record GraphInterface(
    [property: JsonPropertyName("inputs")] IReadOnlyList<string> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<string> Outputs);
