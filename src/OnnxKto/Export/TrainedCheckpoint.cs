using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Loop;

namespace OnnxKto.Export;

/// <summary>
/// Finds and reads the trained weights of a run: <c>RUN/checkpoint-&lt;step&gt;/checkpoint.safetensors</c>, whose
/// metadata key <c>artifacts</c> names the artifact folder (its <c>manifest.json</c> gives the model and its config).
/// </summary>
internal static partial class TrainedCheckpoint
{
    /// <summary>Metadata key holding the artifact folder's absolute path.</summary>
    public const string ArtifactsKey = CheckpointMetadata.ArtifactsKey;

    /// <summary>
    /// The checkpoint file <paramref name="path"/> means: the file itself, <c>DIR/checkpoint.safetensors</c>, or for a
    /// run folder the <c>checkpoint-&lt;step&gt;</c> with the highest step.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing there looks like a checkpoint.</exception>
    public static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return full;
        if (!Directory.Exists(full))
            throw new FileNotFoundException($"Checkpoint '{full}' does not exist; pass a run folder, a run's checkpoint-<step> folder or a checkpoint.safetensors file.", full);
        var direct = Path.Combine(full, ArtifactNames.Checkpoint);
        if (File.Exists(direct)) return direct;
        var latest = new RunFolder(full).Checkpoints().Select(c => c.Folder)
            .LastOrDefault(folder => File.Exists(Path.Combine(folder, ArtifactNames.Checkpoint)));
        return latest is not null
            ? Path.Combine(latest, ArtifactNames.Checkpoint)
            : throw new FileNotFoundException($"'{full}' holds neither {ArtifactNames.Checkpoint} nor checkpoint-<step>/{ArtifactNames.Checkpoint}; is it a run folder?", direct);
    }

    /// <summary>
    /// Loads the model of a checkpoint: configuration and model spec from the artifact manifest, every parameter from
    /// the checkpoint (optimizer state is not read). An artifact folder's own initial checkpoint works too. A LoRA
    /// run's adapters are merged into the base (read from the artifacts' initial checkpoint): the result is a plain model.
    /// </summary>
    /// <param name="path">A run folder, <c>RUN/checkpoint-N</c>, or a checkpoint file.</param>
    /// <exception cref="InvalidDataException">The checkpoint names no artifact folder, or lacks a parameter the manifest lists, or has it in another shape.</exception>
    public static ModelSource Load(string path) => LoadTrained(path).Model;

    /// <summary>The (merged) model as <see cref="Load"/> gives it, and the LoRA adapter the checkpoint holds (A, B and saved modules at their trained values; null for a full run).</summary>
    /// <exception cref="InvalidDataException">As for <see cref="Load"/>.</exception>
    public static TrainedModel LoadTrained(string path)
    {
        var (file, manifest, weights) = Read(path);
        var adapter = Adapter(manifest, weights);
        var model = adapter is null ? weights : adapter.Merge(weights);
        var parameters = ModelBuilders.For(manifest.ModelConfig).Build().Parameters;
        ModelSource.Validate(parameters, model, file);
        return new TrainedModel(new ModelSource(manifest.Model, manifest.ModelConfig, model), adapter);
    }

    private static LoraAdapter? Adapter(ArtifactManifest manifest, IReadOnlyDictionary<string, TensorData> weights) =>
        manifest.Config.Lora.UsePeft
            ? LoraAdapter.From(manifest.Config.Lora, ModelBuilders.LoraLayers(manifest.ModelConfig, manifest.Config.Lora), weights)
            : null;

    private static (string File, ArtifactManifest Manifest, Dictionary<string, TensorData> Weights) Read(string path)
    {
        var file = Resolve(path);
        using var checkpoint = SafetensorsFile.Open(file);
        var artifacts = ArtifactsFolder(file, checkpoint);
        var manifest = ArtifactManifest.Load(artifacts);
        if (checkpoint.Metadata.TryGetValue(CheckpointMetadata.ModelFingerprintKey, out var fingerprint) && fingerprint != manifest.ModelFingerprint)
            throw new InvalidDataException($"{file}: trained from another model (fingerprint {fingerprint}) than the artifacts in '{artifacts}' ({manifest.ModelFingerprint}) were made from.");
        // A LoRA run's checkpoints hold the trainable tensors only; the frozen base is in the artifacts' initial checkpoint.
        using var initial = manifest.Config.Lora.UsePeft ? SafetensorsFile.Open(Path.Combine(artifacts, ArtifactNames.Checkpoint)) : null;
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var p in manifest.Parameters)
        {
            var source = checkpoint.Contains(p.Name) ? checkpoint : !p.Trainable && initial is not null && initial.Contains(p.Name) ? initial
                : throw new InvalidDataException($"{file}: parameter '{p.Name}' listed in {Path.Combine(artifacts, ArtifactNames.Manifest)} is missing.");
            weights[p.Name] = source.Read(p.Name);
        }
        return (file, manifest, weights);
    }

    private static string ArtifactsFolder(string file)
    {
        using var checkpoint = SafetensorsFile.Open(file);
        return ArtifactsFolder(file, checkpoint);
    }

    private static string ArtifactsFolder(string file, SafetensorsFile checkpoint) =>
        checkpoint.Metadata.TryGetValue(ArtifactsKey, out var folder) ? folder
            : File.Exists(Path.Combine(Path.GetDirectoryName(file)!, ArtifactNames.Manifest)) ? Path.GetDirectoryName(file)!
            : throw new InvalidDataException($"{file}: its metadata has no '{ArtifactsKey}' entry naming the artifact folder, and no {ArtifactNames.Manifest} lies beside it; was it written by onnx-kto's trainer?");
}
