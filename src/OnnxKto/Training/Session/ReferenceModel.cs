using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Session;

/// <summary>
/// The reference graph's lifecycle: opened on first use, with the initial weights (shared with the parameters before
/// the first update, read from the artifacts' initial checkpoint after it), and released once the loop has cached
/// what it needs. The same graph at the current parameters scores sequences with the policy without gradient.
/// </summary>
internal sealed class ReferenceModel(DeviceContext context, string folder, ParameterStore parameters, Func<long> step) : IDisposable
{
    private Lazy<BoundSession> _session = new(() => context.Open(Path.Combine(folder, ArtifactNames.ReferenceModel)));
    private Dictionary<string, DeviceTensor>? _weights;
    private bool _sharesParameters;

    /// <summary>Reference log-probs of target and KL sequences with the artifacts' initial weights.</summary>
    public (float[] Target, float[] Kl) Compute(MicroBatch.Sequences target, MicroBatch.Sequences kl, int rows)
    {
        var session = _session.Value;
        _weights ??= LoadWeights();
        foreach (var (name, value) in _weights) session.BindInput(name, value);
        var outputs = SessionInputs.Run(session, [.. Inputs(target, kl, rows)], "run the reference model");
        return (outputs[ReferenceLogps].ToFloats(), outputs[ReferenceKlLogps].ToFloats());
    }

    /// <summary>The policy's log-probs of KL sequences at the current parameters (the target half gets a one-token stub per row, dropped).</summary>
    public float[] PolicyKl(MicroBatch.Sequences kl, int rows)
    {
        var session = _session.Value;
        var filler = MicroBatch.Pad(Enumerable.Repeat<(int[], int[])>(([0], [0]), rows).ToList(), 0);
        parameters.BindTo(session);
        return SessionInputs.Run(session, [.. Inputs(filler, kl, rows)], "score the KL pairs with the policy")[ReferenceKlLogps].ToFloats();
    }

    /// <summary>After an update: weights borrowed from the parameters have moved on, so they are let go.</summary>
    public void AfterUpdate()
    {
        if (_sharesParameters) Release();
    }

    /// <summary>Frees the session and the initial weights it loaded; a later call opens them again.</summary>
    public void Release()
    {
        if (_weights is not null && !_sharesParameters)
            foreach (var (_, tensor) in _weights.Where(w => !parameters.FrozenValues.ContainsKey(w.Key))) tensor.Dispose();
        _weights = null;
        _sharesParameters = false;
        if (_session.IsValueCreated) _session.Value.Dispose();
        _session = new Lazy<BoundSession>(() => context.Open(Path.Combine(folder, ArtifactNames.ReferenceModel)));
    }

    public void Dispose() => Release();

    private static IEnumerable<(string, DeviceTensor)> Inputs(MicroBatch.Sequences target, MicroBatch.Sequences kl, int rows) =>
        SessionInputs.Sequences(target, rows, InputIds, AttentionMask, CompletionMask)
            .Concat(SessionInputs.Sequences(kl, rows, KlInputIds, KlAttentionMask, KlCompletionMask));

    private Dictionary<string, DeviceTensor> LoadWeights()
    {
        // Frozen weights never change, so the reference shares their tensors. Before the first update the trainable
        // ones still hold the initial values (runs start from the artifacts' checkpoint at step 0), so the reference
        // borrows them too; later they come from the initial checkpoint.
        // A LoRA run's reference is the base without adapters: it reads the frozen base and the initial saved modules only.
        var inputs = _session.Value.InputNames.ToHashSet();
        var weights = parameters.FrozenValues.Where(w => inputs.Contains(w.Key)).ToDictionary(w => w.Key, w => w.Value);
        var trainable = parameters.Trainable.Where(inputs.Contains).ToList();
        _sharesParameters = step() == 0;
        if (_sharesParameters)
            foreach (var name in trainable) weights[name] = parameters[name];
        else
        {
            var initial = TrainingCheckpoint.Open(Path.Combine(folder, Checkpoint));
            foreach (var name in trainable) weights[name] = context.Share(ParameterStore.Tensor(initial, name));
        }
        return weights;
    }
}
