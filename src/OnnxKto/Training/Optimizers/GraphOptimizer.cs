using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Training.Optimizers;

/// <summary>
/// The optimizer as two ONNX graphs that update parameters and state where they are, for memory the host loop cannot
/// reach (CUDA), so each is held once there too:
/// <list type="number">
/// <item><see cref="GradientNormGraph"/> reads every gradient and returns the global norm, first, so a non-finite norm
/// skips the update with nothing written (the fp16 loss scaler relies on that).</item>
/// <item><see cref="OptimizerGraph"/> runs over each parameter in flat chunks of at most <see cref="ChunkElements"/>
/// elements, read through views at an offset (no copy), with the per-parameter <see cref="UpdateScalars"/> as inputs.
/// Its outputs go to a preallocated scratch of (1 + states) chunks, and one copy run writes them back over the chunk.</item>
/// </list>
/// The scratch exists because ONNX Runtime does not promise that an output bound to its input's buffer is safe. It costs
/// (1 + states) × chunk floats (AdamW, 16M-element chunks: 192 MiB) where writing whole tensors would cost a second set
/// of parameters and state, and chunks keep it flat however large the model; the runs per step are two per chunk
/// plus one for the norm.
/// </summary>
internal sealed class GraphOptimizer : IOptimizer
{
    /// <summary>16M elements: 64 MiB per scratch buffer, and a few runs for the largest tensors (a 150k-token embedding).</summary>
    public const long DefaultChunkElements = 1L << 24;

    private readonly DeviceContext _context;
    private readonly BoundSession _norm, _update;
    private readonly OptimizerSettings _settings;
    private readonly string[] _names;          // the update graph's param and state inputs, in OptimizerParameter order
    private readonly DeviceTensor[] _scratch;  // one chunk per name
    private readonly (string Name, Func<UpdateScalars, float> Of, float[] Host, DeviceTensor Value)[] _scalars;

    /// <summary>Takes over <paramref name="gradientNorm"/> and <paramref name="update"/> and allocates the scratch on <paramref name="context"/>.</summary>
    /// <param name="context">Where the parameters live; the scratch is allocated there.</param>
    /// <param name="gradientNorm">A session over <see cref="GradientNormGraph"/> for the parameters <see cref="Step"/> will get.</param>
    /// <param name="update">A session over <see cref="OptimizerGraph"/> built with <paramref name="settings"/>.</param>
    /// <param name="settings">The optimizer's hyper-parameters (those not baked into the graph: clipping, decay).</param>
    /// <param name="largestParameter">Elements in the largest trainable parameter: the scratch need not be longer.</param>
    /// <param name="chunkElements">The most elements one update run reads per tensor (tests make it small).</param>
    /// <exception cref="ArgumentOutOfRangeException">A chunk or parameter size that is not positive.</exception>
    public GraphOptimizer(DeviceContext context, BoundSession gradientNorm, BoundSession update, OptimizerSettings settings,
        long largestParameter, long chunkElements = DefaultChunkElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkElements);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(largestParameter);
        _context = context;
        _norm = gradientNorm;
        _update = update;
        _settings = settings;
        _names = OptimizerGraph.StateNames(settings.Kind, OptimizerGraph.Param).Prepend(OptimizerGraph.Param).ToArray();
        ChunkElements = ScratchElements(largestParameter, chunkElements);
        _scratch = _names.Select(_ => context.Allocate(DataType.Float, [ChunkElements])).ToArray();
        _scalars = OptimizerGraph.ScalarInputs(settings.Kind).Select(s =>
        {
            var host = new float[1];
            return (s.Name, s.Of, host, DeviceTensor.OverHost(host));
        }).ToArray();
    }

    /// <summary>The most elements of one tensor an update run reads: the chunk, or the largest parameter when that is smaller.</summary>
    public long ChunkElements { get; }

    /// <summary>Elements in each of the (1 + states) scratch buffers for <paramref name="largestParameter"/> and <paramref name="chunkElements"/>.</summary>
    public static long ScratchElements(long largestParameter, long chunkElements = DefaultChunkElements) => Math.Min(largestParameter, chunkElements);

    /// <inheritdoc/>
    public double Step(IReadOnlyList<OptimizerParameter> parameters, float learningRate, long step)
    {
        foreach (var p in parameters) _norm.BindInput(GradientNames.Of(p.Name), p.Gradient);
        _norm.BindOutputToHost(GradientNormGraph.GradNorm);
        float norm = _norm.Run("compute the gradient norm")[GradientNormGraph.GradNorm].ToFloats()[0];
        if (!float.IsFinite(norm)) return norm;
        float clip = UpdateScalars.ClipCoefficient(_settings, norm);
        foreach (var p in parameters)
        {
            BindScalars(UpdateScalars.For(_settings, clip, learningRate, step, p.Decay));
            long count = p.Value.ElementCount;
            for (long offset = 0; offset < count; offset += ChunkElements)
                UpdateChunk(p, offset, Math.Min(ChunkElements, count - offset));
        }
        return norm;
    }

    // ORT copies a host input to the device when it is bound, not when the session runs: rebind after every change.
    private void BindScalars(UpdateScalars values)
    {
        foreach (var (name, of, host, value) in _scalars)
        {
            host[0] = of(values);
            _update.BindInput(name, value);
        }
    }

    // Reads the chunk's parameter, gradient and state, writes the scratch, then copies the scratch over the chunk.
    private void UpdateChunk(OptimizerParameter p, long offset, long length)
    {
        var chunk = p.State.Prepend(p.Value).Select(t => t.View(offset, length)).ToList();
        var results = _scratch.Select(s => s.View(0, length)).ToList();
        var gradient = p.Gradient.View(offset, length);
        try
        {
            for (int i = 0; i < _names.Length; i++)
            {
                _update.BindInput(_names[i], chunk[i]);
                _update.BindOutput(OptimizerGraph.Updated(_names[i]), results[i]);
            }
            _update.BindInput(GradientNames.Of(OptimizerGraph.Param), gradient);
            _update.Run($"update elements [{offset}, {offset + length}) of '{p.Name}'");
            _context.Copy(results, chunk);
        }
        finally
        {
            foreach (var view in chunk.Concat(results).Append(gradient)) view.Dispose();
        }
    }

    /// <summary>Releases both sessions, the scratch and the scalar inputs.</summary>
    public void Dispose()
    {
        _norm.Dispose();
        _update.Dispose();
        foreach (var t in _scratch.Concat(_scalars.Select(s => s.Value))) t.Dispose();
    }
}
