using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;

namespace OnnxKto.Training.Artifacts;

/// <summary>
/// A training checkpoint: one safetensors file with every parameter (Hugging Face names), the optimizer state
/// (<c>&lt;param&gt;.exp_avg</c>, ...), the update count as the int64 tensor <c>optimizer.step</c>, and a
/// string metadata map (data position, seed, fingerprints). Written atomically by <see cref="SafetensorsWriter"/>.
/// </summary>
public sealed record TrainingCheckpoint(IReadOnlyDictionary<string, TensorData> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The int64 scalar holding the update count, so a resumed run's optimizer bias correction continues where it stopped.</summary>
    public const string StepTensor = "optimizer.step";

    /// <summary>Updates applied so far.</summary>
    public long Step => Tensors[StepTensor].ToLongs()[0];

    /// <summary>
    /// A checkpoint of <paramref name="tensors"/> at update <paramref name="step"/>, which it records as <see cref="StepTensor"/>
    /// and as the <c>step</c> metadata entry. <see cref="LazyTensors"/> stay lazy, so <see cref="Save"/> streams them.
    /// </summary>
    public static TrainingCheckpoint Create(IReadOnlyDictionary<string, TensorData> tensors, long step, IReadOnlyDictionary<string, string> metadata)
    {
        var stepTensor = TensorData.FromLongs([], [step]);
        IReadOnlyDictionary<string, TensorData> all = tensors is LazyTensors lazy ? lazy.With(StepTensor, stepTensor)
            : new Dictionary<string, TensorData>(tensors) { [StepTensor] = stepTensor };
        var meta = new Dictionary<string, string>(metadata) { ["step"] = step.ToString() };
        return new TrainingCheckpoint(all, meta);
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/>, atomically.</summary>
    public void Save(string path) => SafetensorsWriter.Write(path, Tensors, Metadata);

    /// <summary>
    /// The checkpoint in <paramref name="path"/> with its tensors read on access, not up front: what a training session
    /// opens, so a model's parameters and moments never sit in host memory twice.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed or lacks <c>optimizer.step</c>.</exception>
    public static TrainingCheckpoint Open(string path)
    {
        var tensors = new SafetensorsTensors(path);
        if (!tensors.ContainsKey(StepTensor))
            throw new InvalidDataException($"{path}: not an OnnxKto training checkpoint (no '{StepTensor}' tensor).");
        return new TrainingCheckpoint(tensors, tensors.Metadata);
    }

    /// <summary>The checkpoint in <paramref name="path"/>, every tensor read into memory.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or lacks <c>optimizer.step</c>.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains(StepTensor))
            throw new InvalidDataException($"{path}: not an OnnxKto training checkpoint (no '{StepTensor}' tensor).");
        var tensors = file.TensorNames.ToDictionary(n => n, n => file.Read(n));
        return new TrainingCheckpoint(tensors, file.Metadata);
    }
}
