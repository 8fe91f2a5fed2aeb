using OnnxKto.Graphs;
using OnnxKto.Models.Lora;

namespace OnnxKto.Export.Adapters;

/// <summary>
/// Serves LoRA adapters without merging them (what Olive's <c>ExtractAdapters</c> pass does): each targeted linear layer
/// y = x·W (+ b) of an inference graph becomes y + (x·A_in)·B_in, where A_in [in, r] and B_in [r, out] are optional graph
/// inputs whose default values have rank 0 ([in, 0] and [0, out]), so with nothing fed the graph computes exactly the
/// base model. ONNX Runtime and ORT GenAI feed an <c>.onnx_adapter</c> file's tensors (<see cref="OnnxAdapterFile"/>) to
/// these inputs by name; <see cref="Tensors"/> makes them from a trained adapter's <see cref="LoraTarget"/>s (PEFT's A and B).
/// </summary>
/// <remarks>
/// Input names (<see cref="InputNames"/>): the base weight's name plus <c>.lora_A</c> / <c>.lora_B</c>, e.g.
/// <c>model.layers.0.self_attn.q_proj.weight.lora_A</c> — not PEFT's own names, whose tensors are laid out [r, in] and [out, r].
/// The LoRA scaling α/r is baked into B_in, so the served graph has no scaling constant and adapters of any α share it.
/// </remarks>
internal static class LoraAdapterInputs
{
    /// <summary>The symbolic dim of every adapter input's rank axis.</summary>
    public const string RankDim = "lora_rank";

    /// <summary>The graph input names of the adapter matrices of the linear layer whose weight is <paramref name="weight"/>.</summary>
    /// <param name="weight">The base weight's name, e.g. <c>transformer.h.0.attn.c_attn.weight</c>.</param>
    /// <returns>A_in ([in, r]) and B_in ([r, out]).</returns>
    public static (string A, string B) InputNames(string weight) => ($"{weight}.lora_A", $"{weight}.lora_B");

    /// <summary>
    /// A copy of <paramref name="model"/> in which every linear layer whose weight is named in <paramref name="weights"/>
    /// adds (x·A_in)·B_in to its output, A_in and B_in being optional inputs (see the class remarks).
    /// </summary>
    /// <param name="model">An inference graph with its weights as initializers (e.g. the exporter's KV-cache decoder).</param>
    /// <param name="weights">Base weight names; each must be a Float [out, in] or [in, out] initializer read only by Gemm nodes as their B.</param>
    /// <exception cref="UserError">A weight is missing, is not a 2-D Float initializer, or is read by something other than a linear layer.</exception>
    public static Graph AddTo(Graph model, IEnumerable<string> weights)
    {
        var graph = model.Clone();
        var builder = new GraphBuilder(graph);
        foreach (var weight in weights.Distinct())
        {
            var w = graph.Contains(weight) ? graph[weight] : throw new UserError(
                $"The adapter targets '{weight}', which is not a tensor of the exported model.",
                "LoRA targets are named by their base weight's Hugging Face name, e.g. model.layers.0.self_attn.q_proj.weight.");
            if (w.Data is not { Type: DataType.Float, Dims.Length: 2 } || graph.Inputs.Contains(w))
                throw new UserError($"The adapter targets '{w}', which is not a 2-D Float weight of the exported model.");
            if (w.Uses.Count == 0 || w.Uses.Any(n => n.OpType != "Gemm" || !ReferenceEquals(n.Input(1), w) || n.Int("transA", 0) != 0))
                throw new UserError($"The adapter targets '{weight}', which is read by {string.Join(", ", w.Uses.Distinct())}, not only by linear layers (Gemm, as B).");
            var (aName, bName) = InputNames(weight);
            foreach (var linear in w.Uses.Distinct().ToList())
            {
                // Gemm's transB: 1 for PyTorch Linear's W [out, in], 0 for GPT-2 Conv1D's W [in, out].
                bool outIn = linear.Int("transB", 0) != 0;
                long inFeatures = w.Data.Dims[outIn ? 1 : 0], outFeatures = w.Data.Dims[outIn ? 0 : 1];
                var a = graph.Contains(aName) ? graph[aName] : OptionalInput(graph, aName, [inFeatures, 0], new Shape(inFeatures, RankDim));
                var b = graph.Contains(bName) ? graph[bName] : OptionalInput(graph, bName, [0, outFeatures], new Shape(RankDim, outFeatures));
                var y = linear.Outputs[0];
                if (graph.Outputs.Contains(y))
                    throw new UserError($"The adapter targets '{weight}', whose layer's output '{y.Name}' is a graph output; adapters on it are not supported.");
                Value sum;
                using (builder.Scope(ScopeOf(linear)))
                {
                    var down = builder.Op("MatMul", [linear.Inputs[0], a]);   // (N, r)
                    var up = builder.Op("MatMul", [down, b]);                 // (N, out)
                    sum = builder.Op("Add", [y, up]);                         // (N, out)
                }
                graph.RedirectUses(y, sum, except: sum.Producer);
            }
        }
        graph.SortTopologically();
        return graph;
    }

    /// <summary>
    /// <see cref="AddTo(Graph, IEnumerable{string})"/> for the layers <paramref name="targets"/> adapt, after checking that
    /// each target's A [r, in] and B [out, r] fit its layer.
    /// </summary>
    /// <exception cref="UserError">A weight is missing or no linear weight, or its A and B do not fit it; naming the shapes.</exception>
    public static Graph AddTo(Graph model, IReadOnlyList<LoraTarget> targets)
    {
        var graph = AddTo(model, targets.Select(t => t.BaseWeight));
        foreach (var t in targets)
        {
            var (aName, bName) = InputNames(t.BaseWeight);
            long inFeatures = graph[aName].Data!.Dims[0], outFeatures = graph[bName].Data!.Dims[1];
            if (!Fits(t, inFeatures, outFeatures))
                throw new UserError($"LoRA matrices of '{t.BaseWeight}' (A {t.A}, B {t.B}) do not fit its layer of {inFeatures} inputs and {outFeatures} outputs; A must be Float [r, {inFeatures}] and B Float [{outFeatures}, r].");
        }
        return graph;
    }

    /// <summary>
    /// The tensors of <paramref name="targets"/> by input name, as <see cref="AddTo(Graph, IEnumerable{string})"/>'s graph
    /// takes them: A_in = Aᵀ [in, r] and B_in = scaling · Bᵀ [r, out], so (x·A_in)·B_in = scaling · (x·Aᵀ)·Bᵀ.
    /// </summary>
    /// <exception cref="UserError">A target whose A and B are not Float [r, in] and [out, r] for its layer.</exception>
    public static IReadOnlyList<KeyValuePair<string, TensorData>> Tensors(IEnumerable<LoraTarget> targets)
    {
        var tensors = new List<KeyValuePair<string, TensorData>>();
        foreach (var t in targets)
        {
            if (!Fits(t, t.Layer.InFeatures, t.Layer.OutFeatures))
                throw new UserError($"LoRA matrices of '{t.BaseWeight}': A {t.A} and B {t.B} are not Float [r, {t.Layer.InFeatures}] and [{t.Layer.OutFeatures}, r].");
            var (aName, bName) = InputNames(t.BaseWeight);
            tensors.Add(new(aName, Transposed(t.A, 1)));
            tensors.Add(new(bName, Transposed(t.B, t.Scaling)));
        }
        return tensors;
    }

    private static bool Fits(LoraTarget t, long inFeatures, long outFeatures) =>
        t.A is { Type: DataType.Float, Dims: [var r, var i] } && t.B is { Type: DataType.Float, Dims: [var o, var r2] }
        && r == r2 && i == inFeatures && o == outFeatures;

    // Beside the layer's own node: /layers.0/attn/q_proj/Gemm → /layers.0/attn/q_proj/lora/MatMul.
    private static string ScopeOf(Node linear)
    {
        var name = linear.Name.TrimStart('/');
        int slash = name.LastIndexOf('/');
        return slash < 0 ? "lora" : name[..slash] + "/lora";
    }

    private static Value OptionalInput(Graph graph, string name, long[] emptyDims, Shape shape)
    {
        var value = graph.AddInitializer(name, TensorData.FromFloats(emptyDims, []));
        graph.ExposeAsInput(value, shape);
        return value;
    }

    // scale · Mᵀ of a Float [rows, cols] matrix.
    private static TensorData Transposed(TensorData m, double scale)
    {
        long rows = m.Dims[0], cols = m.Dims[1];
        var source = m.As<float>();
        var result = new float[source.Length];
        for (long i = 0; i < rows; i++)
            for (long j = 0; j < cols; j++)
                result[j * rows + i] = (float)(scale * source[(int)(i * cols + j)]);
        return TensorData.FromFloats([cols, rows], result);
    }
}
