using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Training.Session;

/// <summary>
/// The weights a session computes with, held once on its device: each frozen weight one tensor, bound where it lies to
/// every session that reads it (the reference model's included); each trainable parameter and its optimizer state one
/// tensor, updated in place by the optimizer.
/// </summary>
internal sealed class ParameterStore : IDisposable
{
    private readonly DeviceContext _context;
    private readonly Dictionary<string, DeviceTensor> _frozen = [];
    private readonly Dictionary<string, DeviceTensor> _trainable = [];  // trainable parameters and their optimizer state

    /// <summary>Uploads the trainable parameters and their state from <paramref name="checkpoint"/> and shares the frozen ones.</summary>
    /// <param name="context">The device.</param>
    /// <param name="manifest">Which parameters train, and their optimizer.</param>
    /// <param name="checkpoint">The state to start from.</param>
    /// <param name="initial">The artifacts' initial checkpoint: a LoRA run's checkpoints hold the adapters only, the frozen base is there.</param>
    /// <exception cref="InvalidDataException">A tensor the artifacts need is missing.</exception>
    public ParameterStore(DeviceContext context, ArtifactManifest manifest, TrainingCheckpoint checkpoint, Func<TrainingCheckpoint> initial)
    {
        _context = context;
        Trainable = manifest.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToArray();
        Frozen = manifest.Parameters.Where(p => !p.Trainable).Select(p => p.Name).ToArray();
        StateNames = p => OptimizerGraph.StateNames(manifest.Config.Optimizer.Kind, p);
        var source = Frozen.All(checkpoint.Tensors.ContainsKey) ? checkpoint : initial();
        foreach (var name in Frozen) _frozen[name] = context.Share(Tensor(source, name));
        foreach (var name in Trainable)
            foreach (var tensor in StateNames(name).Prepend(name)) _trainable[tensor] = context.Upload(Tensor(checkpoint, tensor));
    }

    /// <summary>Names of the trainable parameters (manifest order).</summary>
    public IReadOnlyList<string> Trainable { get; }

    /// <summary>Names of the frozen parameters.</summary>
    public IReadOnlyList<string> Frozen { get; }

    /// <summary>The optimizer state tensors' names of a trainable parameter.</summary>
    public Func<string, IReadOnlyList<string>> StateNames { get; }

    /// <summary>A trainable parameter or one of its optimizer state tensors.</summary>
    public DeviceTensor this[string name] => _trainable[name];

    /// <summary>The frozen weights by name.</summary>
    public IReadOnlyDictionary<string, DeviceTensor> FrozenValues => _frozen;

    /// <summary>The tensors a checkpoint holds: trainable parameters and their state, and the frozen weights unless the run is LoRA's.</summary>
    public IEnumerable<KeyValuePair<string, DeviceTensor>> Saved(bool withFrozen) => (withFrozen ? _frozen : []).Concat(_trainable);

    /// <summary>Binds every parameter a session reads.</summary>
    public void BindTo(BoundSession session)
    {
        foreach (var name in Trainable) session.BindInput(name, _trainable[name]);
        foreach (var name in Frozen) session.BindInput(name, _frozen[name]);
    }

    /// <summary>Host copies of the model's weights (no optimizer state).</summary>
    public Dictionary<string, TensorData> Download()
    {
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var (name, value) in _frozen) weights[name] = _context.Download(value);
        foreach (var name in Trainable) weights[name] = _context.Download(_trainable[name]);
        return weights;
    }

    /// <summary>A checkpoint's tensor, with an error that says which checkpoint lacks it.</summary>
    public static TensorData Tensor(TrainingCheckpoint checkpoint, string name) =>
        checkpoint.Tensors.TryGetValue(name, out var t) ? t
            : throw new InvalidDataException($"The checkpoint has no tensor '{name}', which the artifacts need; was it made for other artifacts?");

    public void Dispose()
    {
        foreach (var tensor in _trainable.Values.Concat(_frozen.Values)) tensor.Dispose();
    }
}
