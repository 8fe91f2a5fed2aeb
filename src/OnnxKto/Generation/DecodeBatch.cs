using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;

namespace OnnxKto.Generation;

/// <summary>
/// The rows decoding together and their KV cache, [rows, kv_heads, width, head_dim] per layer, every row's newest
/// token in the last column. The cache and the logits stay in the buffers ONNX Runtime wrote them into: each call's
/// <c>present.*</c> outputs are bound, uncopied, as the next call's <c>past_key_values.*</c> inputs through IO binding,
/// and the logits are read where they lie. <see cref="Compact"/> drops finished rows and leading columns no row
/// attends to any more (the one time the cache is copied); <see cref="Grow"/> adds empty rows for sequences that arrive
/// while others decode. Constant inputs (a LoRA adapter's matrices) are bound once and fed to every call.
/// </summary>
internal sealed class DecodeBatch : IDisposable
{
    private readonly InferenceModel _model;
    private readonly BoundSession _session;
    private readonly Dictionary<string, DeviceTensor> _cache = new(StringComparer.Ordinal);
    private readonly List<DeviceTensor> _constants = [];
    private DeviceTensor? _logits;

    /// <param name="model">The decoder.</param>
    /// <param name="rows">Rows to start with (more come with <see cref="Grow"/>).</param>
    /// <param name="constantInputs">Inputs fed unchanged to every call, by graph input name (an adapter's matrices); null for none.</param>
    /// <exception cref="UserError">A constant input the graph does not have.</exception>
    public DecodeBatch(InferenceModel model, int rows, IReadOnlyDictionary<string, TensorData>? constantInputs = null)
    {
        _model = model;
        _session = model.Session.Bind();
        Rows = rows;
        var config = model.Config;
        for (int layer = 0; layer < config.NumLayers; layer++)
            foreach (var name in new[] { ModelGraph.PastKey(layer), ModelGraph.PastValue(layer) })
                _cache[name] = DeviceTensor.AllocateOnHost(DataType.Float, rows, config.NumKvHeads, 0, config.HeadDim);
        foreach (var (name, tensor) in constantInputs ?? new Dictionary<string, TensorData>())
        {
            if (!_session.InputNames.Contains(name) && !_session.OverridableInitializerNames.Contains(name))
                throw new UserError($"{model.Source} has no input '{name}'; an adapter needs a model exported with --adapters genai from the same base.");
            if (tensor.Type != DataType.Float) throw new UserError($"Input '{name}' is {tensor}; adapters feed float32 tensors.");
            var constant = DeviceTensor.OverHost(tensor.ToFloats(), tensor.Dims);
            _constants.Add(constant);
            _session.BindInput(name, constant);
        }
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Columns in the cache.</summary>
    public int Width { get; private set; }

    /// <summary>One decoder call on <paramref name="seq"/> new columns; <paramref name="mask"/> covers the cache and them.</summary>
    /// <returns>Logits [rows, seq, vocab], valid until the next call.</returns>
    public ReadOnlySpan<float> Run(long[] ids, long[] mask, long[] positions, int seq)
    {
        using var idTensor = DeviceTensor.OverHost(ids, Rows, seq);
        using var maskTensor = DeviceTensor.OverHost(mask, Rows, Width + seq);
        using var positionTensor = DeviceTensor.OverHost(positions, Rows, seq);
        _session.BindInput(ModelGraph.InputIds, idTensor);
        _session.BindInput(ModelGraph.AttentionMask, maskTensor);
        _session.BindInput(ModelGraph.PositionIds, positionTensor);
        foreach (var (name, tensor) in _cache) _session.BindInput(name, tensor);
        var outputs = _session.RunKeepingOutputs("decode");
        for (int layer = 0; layer < _model.Config.NumLayers; layer++)
        {
            Replace(ModelGraph.PastKey(layer), outputs[ModelGraph.PresentKey(layer)]);
            Replace(ModelGraph.PastValue(layer), outputs[ModelGraph.PresentValue(layer)]);
        }
        _logits?.Dispose();
        _logits = outputs[ModelGraph.LogitsName];
        Width += seq;
        return _logits.HostSpan<float>();
    }

    /// <summary>Keeps rows <paramref name="keep"/> (in that order) and the columns from <paramref name="from"/> on.</summary>
    public void Compact(int[] keep, int from)
    {
        foreach (var name in _cache.Keys.ToList()) Replace(name, Slice(_cache[name], keep, from));
        Rows = keep.Length;
        Width -= from;
    }

    /// <summary>Adds empty rows (their cache zeros, to be masked) so the batch has <paramref name="rows"/>.</summary>
    public void Grow(int rows)
    {
        foreach (var name in _cache.Keys.ToList())
        {
            var old = _cache[name];
            var dims = old.Dims;
            var grown = DeviceTensor.AllocateOnHost(DataType.Float, rows, dims[1], dims[2], dims[3]);
            var target = grown.HostSpan<float>();
            old.HostSpan<float>().CopyTo(target);
            // ORT's allocation is not zeroed, and masked garbage could be NaN, which a zero attention weight keeps.
            target[(int)old.ElementCount..].Clear();
            Replace(name, grown);
        }
        Rows = rows;
    }

    public void Dispose()
    {
        foreach (var tensor in _cache.Values) tensor.Dispose();
        foreach (var tensor in _constants) tensor.Dispose();
        _logits?.Dispose();
        _session.Dispose();
    }

    private void Replace(string name, DeviceTensor tensor)
    {
        _cache[name].Dispose();
        _cache[name] = tensor;
    }

    // [rows, heads, width, dim] → [keep, heads, width − from, dim].
    private static DeviceTensor Slice(DeviceTensor t, int[] keep, int from)
    {
        var dims = t.Dims;
        int heads = (int)dims[1], width = (int)dims[2], dim = (int)dims[3], kept = (width - from) * dim;
        var sliced = DeviceTensor.AllocateOnHost(DataType.Float, keep.Length, heads, width - from, dim);
        var source = t.HostSpan<float>();
        var target = sliced.HostSpan<float>();
        for (int r = 0; r < keep.Length; r++)
            for (int h = 0; h < heads; h++)
                source.Slice((keep[r] * heads + h) * width * dim + from * dim, kept).CopyTo(target.Slice((r * heads + h) * kept, kept));
        return sliced;
    }
}
