using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Training.Session;

/// <summary>
/// The accumulated gradients: one buffer per trainable parameter, and a second only once micro-batches accumulate (the
/// training graph reads the running sum and writes the new one, so the two alternate). A fresh gradient reads a zero
/// tensor shared by every parameter of the same shape.
/// </summary>
internal sealed class GradientBuffers : IDisposable
{
    private readonly DeviceContext _context;
    private readonly IReadOnlyList<ManifestParameter> _trainable;
    private readonly Dictionary<string, DeviceTensor>[] _buffers = [[], []];
    private readonly Dictionary<string, DeviceTensor> _zerosByShape = [];
    private int _latest = -1;
    private bool _reset = true;

    public GradientBuffers(DeviceContext context, IReadOnlyList<ManifestParameter> trainable)
    {
        (_context, _trainable) = (context, trainable);
        foreach (var p in trainable)
        {
            _buffers[0][p.Name] = context.Allocate(DataType.Float, p.Shape);
            if (!_zerosByShape.ContainsKey(Key(p))) _zerosByShape[Key(p)] = context.Zeros(DataType.Float, p.Shape);
        }
    }

    private static string Key(ManifestParameter p) => string.Join(",", p.Shape);

    /// <summary>Whether a training step has written a gradient yet.</summary>
    public bool Any => _latest >= 0;

    /// <summary>Makes the next step start a fresh gradient instead of adding to the current one.</summary>
    public void LazyReset() => _reset = true;

    /// <summary>Binds the accumulation inputs and gradient outputs of the next training step; <see cref="Commit"/> after it ran.</summary>
    /// <returns>The buffer the step writes.</returns>
    public int BindStep(BoundSession training)
    {
        // A fresh gradient reads zeros and may overwrite the latest buffer; adding to one needs the other.
        int target = _latest < 0 ? 0 : _reset ? _latest : 1 - _latest;
        if (_buffers[target].Count == 0)
            foreach (var p in _trainable) _buffers[target][p.Name] = _context.Allocate(DataType.Float, p.Shape);
        foreach (var p in _trainable)
        {
            training.BindInput(ArtifactNames.AccumulationBuffer(p.Name), _reset ? _zerosByShape[Key(p)] : _buffers[_latest][p.Name]);
            training.BindOutput(GradientNames.Of(p.Name), _buffers[target][p.Name]);
        }
        return target;
    }

    /// <summary>Records that the step bound by <see cref="BindStep"/> wrote buffer <paramref name="target"/>.</summary>
    public void Commit(int target) => (_latest, _reset) = (target, false);

    /// <summary>The accumulated gradient of a trainable parameter.</summary>
    /// <exception cref="InvalidOperationException">No training step has run.</exception>
    public DeviceTensor this[string name] =>
        _latest < 0 ? throw new InvalidOperationException("There is no gradient before a TrainStep.") : _buffers[_latest][name];

    public void Dispose()
    {
        foreach (var tensor in _buffers.Append(_zerosByShape).SelectMany(set => set.Values)) tensor.Dispose();
    }
}
