using OnnxKto.Graphs;
using OnnxKto.Models.Lora;

namespace OnnxKto.Models.Builders;

/// <summary>
/// Builds a decoder-only language model's forward graph from a <see cref="ModelConfig"/>. The skeleton lives here
/// (embedding → layers → final norm → head); architectures override the pieces that differ.
/// The residual stream is kept as rows (batch·seq, E) so every projection is one GEMM. Node names follow the
/// Hugging Face module tree as ONNX Runtime GenAI names them: each layer, attention and MLP block, norm and projection
/// opens its own name scope (<c>/layers.0/attn/q_proj/Gemm</c>, <c>/layers.0/input_layernorm/Mul</c>).
/// </summary>
public abstract partial class DecoderBuilder
{
    private readonly List<ParameterSpec> _parameters = [];
    private readonly List<string> _linearModules = [];
    private readonly List<LoraLayer> _loraLayers = [];
    private LoraSettings? _lora;
    private GraphBuilder? _b;

    /// <summary>A builder for the architecture <paramref name="config"/> describes.</summary>
    protected DecoderBuilder(ModelConfig config) => Config = config;

    /// <summary>The architecture being built.</summary>
    public ModelConfig Config { get; }

    /// <summary>Element type of parameters and activations in the graph being made.</summary>
    protected DataType Precision { get; private set; } = DataType.Float;

    /// <summary>A scalar constant in <see cref="Precision"/>.</summary>
    protected Value Const(double value) => B.Scalar(value, Precision);

    /// <summary>The builder of the graph being made.</summary>
    protected GraphBuilder B => _b ?? throw new InvalidOperationException("Build() has not started.");

    /// <summary>Builds the forward graph; see <see cref="ModelGraph"/> for its interface.</summary>
    public ModelGraph Build(DecoderOptions? options = null)
    {
        options ??= new DecoderOptions();
        Precision = options.Precision;
        _lora = options.Lora is { UsePeft: true } lora ? lora : null;
        _parameters.Clear();
        _linearModules.Clear();
        _loraLayers.Clear();
        var graph = new Graph(Config.ModelType);
        _b = new GraphBuilder(graph);
        var ids = graph.AddInput(ModelGraph.InputIds, DataType.Int64, new Shape("batch", "seq"));
        var mask = graph.AddInput(ModelGraph.AttentionMask, DataType.Int64,
            new Shape("batch", options.KvCache ? "total_seq" : "seq"));
        var context = MakeContext(ids, mask, options);

        var x = MakeEmbedding(ids, context);                              // (N, E), N = batch·seq
        var layers = new List<CheckpointSegment>();
        for (int i = 0; i < Config.NumLayers; i++)
            using (B.Scope($"layers.{i}"))
            {
                var input = x;
                x = MakeLayer(i, x, context);
                layers.Add(new CheckpointSegment([input], x));
            }
        x = MakeFinalNorm(x);
        var head = HeadWeight();                                          // (V, E)
        if (_lora is not null)
            LoraModules.Check(_lora, Config.ModelType, _linearModules,
                _parameters.Where(p => !LoraLayer.IsAdapterParameter(p.Name)).Select(p => p.Name).ToList());
        if (options.HiddenStates)
        {
            // The caller applies the head to the rows it needs (the training graphs: completion tokens only).
            var hidden = B.Output(x, ModelGraph.HiddenStatesName);
            graph.InsertOutput(0, hidden);
            return new ModelGraph(graph, Config, _parameters.ToList(), hidden, head.Name) { Layers = layers, LoraLayers = _loraLayers.ToList() };
        }
        Value logits;
        using (B.Scope("lm_head"))
        {
            var rows = B.Op("Gemm", [x, head], ("transB", 1L));          // (N, V)
            logits = B.AssumeShape(B.Reshape(rows, B.Concat(0, context.BatchSeq, B.Ints(Config.VocabSize))),
                new Shape("batch", "seq", Config.VocabSize));
        }
        logits = B.Output(logits, ModelGraph.LogitsName);
        graph.InsertOutput(0, logits);
        return new ModelGraph(graph, Config, _parameters.ToList(), logits, head.Name) { Layers = layers, LoraLayers = _loraLayers.ToList() };
    }

    /// <summary>Token (and, for GPT-2, position) embeddings as rows (N, E).</summary>
    protected abstract Value MakeEmbedding(Value ids, ForwardContext context);

    /// <summary>One transformer block on rows (N, E).</summary>
    protected abstract Value MakeLayer(int layer, Value x, ForwardContext context);

    /// <summary>The norm after the last layer (GPT-2's <c>ln_f</c>, Llama's <c>norm</c>) on rows (N, E).</summary>
    protected abstract Value MakeFinalNorm(Value x);

    /// <summary>The output head's weight (V, E): the tied embedding or <c>lm_head.weight</c>; logits = x·Wᵀ.</summary>
    protected abstract Value HeadWeight();

    /// <summary>Rotary tables for families that use them; null for learned positions.</summary>
    protected virtual (Value Cos, Value Sin)? MakeRotary(Value positions) => null;

    /// <summary>Declares a trainable parameter: a float32 graph input named as in Hugging Face.</summary>
    protected Value Param(string name, long[] shape, ParameterInit init, double std = 0.02, bool decay = true)
    {
        _parameters.Add(new ParameterSpec(name, shape, init, std, decay));
        return B.Graph.AddInput(name, Precision, new Shape(shape.Select(Dim.Of)));
    }

    /// <summary>True for PyTorch Linear's [out, in] weights (the default); GPT-2's Conv1D stores them [in, out].</summary>
    protected virtual bool LinearWeightIsOutIn => true;

    /// <summary>
    /// The Linear module (GPT-2: Conv1D) Hugging Face calls <paramref name="module"/>: declares <c>module.weight</c>
    /// (and <c>module.bias</c>, zero-initialised, no weight decay) and returns y = x·W (+ b) on rows,
    /// (N, <paramref name="inFeatures"/>) → (N, <paramref name="outFeatures"/>), under the module's name scope.
    /// When <see cref="DecoderOptions.Lora"/> targets the module it also declares PEFT's <c>module.lora_A.weight</c>
    /// [r, in] and <c>module.lora_B.weight</c> [out, r] and returns y = x·W (+ b) + (α/r)·(x·Aᵀ)·Bᵀ.
    /// </summary>
    /// <param name="x">Input rows (N, in).</param>
    /// <param name="module">Hugging Face module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="bias">Whether the module has a bias.</param>
    /// <param name="std">Standard deviation of the weight's normal initialisation.</param>
    protected Value Linear(Value x, string module, long inFeatures, long outFeatures, bool bias, double std = 0.02)
    {
        var weight = Param($"{module}.weight", LinearWeightIsOutIn ? [outFeatures, inFeatures] : [inFeatures, outFeatures],
            ParameterInit.Normal, std);
        var b = bias ? Param($"{module}.bias", [outFeatures], ParameterInit.Zeros, decay: false) : null;
        _linearModules.Add(module);
        using (ModuleScope(module))
        {
            var y = B.Op("Gemm", [x, weight, b], ("transB", LinearWeightIsOutIn ? 1L : 0L));
            if (_lora is null || !LoraModules.IsTarget(_lora, Config.ModelType, module)) return y;
            var layer = new LoraLayer(module, inFeatures, outFeatures, LinearWeightIsOutIn, _lora.Scaling);
            _loraLayers.Add(layer);
            // PEFT's init: A Kaiming-uniform, B zero, so the adapter adds nothing at first.
            var a = Param(layer.A, [_lora.R, inFeatures], ParameterInit.KaimingUniform);
            var up = Param(layer.B, [outFeatures, _lora.R], ParameterInit.Zeros);
            using (B.Scope("lora"))
            {
                var down = B.Op("Gemm", [x, a], ("transB", 1L));                              // (N, r)
                return B.Op("Gemm", [down, up, y], ("transB", 1L), ("alpha", (float)_lora.Scaling)); // (α/r)·down·Bᵀ + y
            }
        }
    }

    /// <summary>
    /// Opens the name scope of the Hugging Face module <paramref name="module"/>: its last segment
    /// (<c>model.layers.0.self_attn.q_proj</c> → <c>q_proj</c>), nested in the scopes already open (<c>/layers.0/attn</c>).
    /// </summary>
    protected IDisposable ModuleScope(string module) => B.Scope(module[(module.LastIndexOf('.') + 1)..]);

    private ForwardContext MakeContext(Value ids, Value mask, DecoderOptions options)
    {
        using var _ = B.Scope("context");
        var batchSeq = B.ShapeOf(ids);
        bool slides = Config.SlidingWindow is not null && !Config.SlidingLayers.IsEmpty;
        // As Hugging Face does for padded batches: position = (number of real tokens so far) − 1, at least 0.
        var counted = options.KvCache && !slides ? null : B.Op("Max", [
            B.Sub(B.Op("CumSum", [mask, B.Scalar(1, DataType.Int64)]), B.Scalar(1, DataType.Int64)), B.Scalar(0, DataType.Int64)]);
        var positions = options.KvCache
            ? B.Graph.AddInput(ModelGraph.PositionIds, DataType.Int64, new Shape("batch", "seq"))
            : counted!;
        var allowed = MakeCausalMask(ids, mask);
        Value? sliding = null;
        if (slides)
            using (B.Scope("sliding"))
                sliding = ToBias(B.Op("And", [allowed, WindowMask(positions, counted!, Config.SlidingWindow!.Value)]));
        return new ForwardContext(batchSeq, positions, ToBias(allowed), MakeRotary(positions), options.KvCache) { SlidingAttentionBias = sliding };
    }

    /// <summary>
    /// Causal and padding mask (batch, 1, seq, total), true where query i (absolute column past+i) may attend key j:
    /// j ≤ past+i and attention_mask[b, j] is 1.
    /// </summary>
    private Value MakeCausalMask(Value ids, Value mask)
    {
        var i64 = DataType.Int64;
        var total = B.Gather(B.ShapeOf(mask), B.Scalar(1, i64));
        var seq = B.Gather(B.ShapeOf(ids), B.Scalar(1, i64));
        var past = B.Sub(total, seq);
        var keys = B.Op("Range", [B.Scalar(0, i64), total, B.Scalar(1, i64)]);              // (total)
        var queries = B.Op("Range", [past, total, B.Scalar(1, i64)]);                       // (seq)
        var causal = B.Op("LessOrEqual", [B.Unsqueeze(keys, 0), B.Unsqueeze(queries, 1)]); // (seq, total)
        var present = B.Unsqueeze(B.Cast(mask, DataType.Bool), 1, 2);                       // (batch, 1, 1, total)
        return B.Op("And", [causal, present]);                                              // (batch, 1, seq, total)
    }

    /// <summary>
    /// Sliding window (batch, 1, seq, total): true where query position − key position &lt; window, so a query sees
    /// itself and the window − 1 tokens before it, as transformers' <c>sliding_window_overlay</c>. Key positions count
    /// the real tokens before each column, so padding between a row's tokens (the generator's batched prefill) does
    /// not shrink the window.
    /// </summary>
    /// <param name="queryPositions">Positions of the queries (batch, seq).</param>
    /// <param name="keyPositions">Positions of the keys (batch, total): running count of attention_mask − 1.</param>
    /// <param name="window">Keys each query sees, itself included.</param>
    private Value WindowMask(Value queryPositions, Value keyPositions, int window)
    {
        var distance = B.Sub(B.Unsqueeze(queryPositions, 2), B.Unsqueeze(keyPositions, 1)); // (batch, seq, total)
        return B.Unsqueeze(B.Op("Less", [distance, B.Scalar(window, DataType.Int64)]), 1);
    }

    private Value ToBias(Value allowed) =>
        B.AssumeShape(B.Where(allowed, Const(0), Const(-1e9)), new Shape("batch", 1, "seq", "total_seq"));
}
