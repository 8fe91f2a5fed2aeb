using OnnxKto.Autodiff;
using OnnxKto.Graphs;

namespace OnnxKto.Training.Optimizers;

/// <summary>
/// Builds <c>optimizer_model.onnx</c>: the elementwise update of one flat chunk of one parameter, in standard ONNX
/// operators, with the hyper-parameters (β1, β2, ε, momentum) baked in. Inputs, each of symbolic length <c>n</c>:
/// <c>param</c>, <c>param_grad</c> and its state (<see cref="StateNames"/> of <see cref="Param"/>); then float scalars
/// (<see cref="ScalarInputs"/>: the clip coefficient and the per-parameter <see cref="UpdateScalars"/>). Outputs:
/// <c>param.new</c> and each <c>&lt;state&gt;.new</c>. <see cref="GraphOptimizer"/> runs it over every chunk of every
/// parameter after <see cref="GradientNormGraph"/> has given the clip coefficient.
/// </summary>
internal static class OptimizerGraph
{
    /// <summary>The chunk's parameter input; its gradient is <c>param_grad</c>, its state <see cref="StateNames"/> of it.</summary>
    public const string Param = "param";
    /// <summary>Scalar input: the gradients' clip coefficient.</summary>
    public const string Clip = "clip_coefficient";
    /// <summary>Scalar input (AdamW): lr / (1 − β1ᵗ).</summary>
    public const string StepSize = "step_size";
    /// <summary>Scalar input (AdamW): √(1 − β2ᵗ).</summary>
    public const string SqrtBiasCorrection2 = "sqrt_bias_correction2";
    /// <summary>Scalar input (AdamW): 1 − lr·wd, or 1 for a parameter without decay.</summary>
    public const string DecayFactor = "decay_factor";
    /// <summary>Scalar input (SGD): the learning rate.</summary>
    public const string LearningRate = "learning_rate";
    /// <summary>Scalar input (SGD): wd, or 0 for a parameter without decay.</summary>
    public const string WeightDecay = "weight_decay";

    /// <summary>Optimizer state tensors of one parameter, named as PyTorch's optimizer state.</summary>
    public static IReadOnlyList<string> StateNames(OptimizerKind kind, string parameter) => kind switch
    {
        OptimizerKind.AdamW => [$"{parameter}.exp_avg", $"{parameter}.exp_avg_sq"],
        OptimizerKind.Sgd => [$"{parameter}.momentum_buffer"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The output that holds input <paramref name="name"/> after the update.</summary>
    public static string Updated(string name) => name + ".new";

    /// <summary>The scalar inputs of <paramref name="kind"/>'s graph, each with the <see cref="UpdateScalars"/> value it is fed.</summary>
    public static IReadOnlyList<(string Name, Func<UpdateScalars, float> Of)> ScalarInputs(OptimizerKind kind) => kind switch
    {
        OptimizerKind.AdamW => [(Clip, s => s.Clip), (StepSize, s => s.StepSize), (SqrtBiasCorrection2, s => s.SqrtBiasCorrection2), (DecayFactor, s => s.DecayFactor)],
        OptimizerKind.Sgd => [(Clip, s => s.Clip), (LearningRate, s => s.LearningRate), (WeightDecay, s => s.WeightDecay)],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static Graph Build(OptimizerSettings settings)
    {
        var g = new Graph("optimizer");
        var b = new GraphBuilder(g);
        var chunk = new Shape("n");
        var param = g.AddInput(Param, DataType.Float, chunk);
        var grad = g.AddInput(GradientNames.Of(Param), DataType.Float, chunk);
        var state = StateNames(settings.Kind, Param).Select(s => g.AddInput(s, DataType.Float, chunk)).ToArray();
        var scalars = ScalarInputs(settings.Kind).ToDictionary(s => s.Name, s => g.AddInput(s.Name, DataType.Float, Shape.Scalar));
        var clipped = b.Mul(grad, scalars[Clip]);
        var (newParam, newState) = settings.Kind == OptimizerKind.AdamW
            ? AdamW(b, settings, scalars, param, clipped, state)
            : Sgd(b, settings, scalars, param, clipped, state);
        b.Output(newParam, Updated(Param));
        for (int i = 0; i < state.Length; i++) b.Output(newState[i], Updated(state[i].Name));
        return g;
    }

    /// <summary>
    /// torch.optim.AdamW: p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
    /// p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε).
    /// </summary>
    private static (Value Param, Value[] State) AdamW(GraphBuilder b, OptimizerSettings s, Dictionary<string, Value> scalars, Value p, Value g, Value[] state)
    {
        Value C(double v) => b.Scalar(v, DataType.Float);
        using var _ = b.Scope("adamw");
        var m = b.Add(b.Mul(state[0], C(s.Beta1)), b.Mul(g, C(1 - s.Beta1)));
        var v = b.Add(b.Mul(state[1], C(s.Beta2)), b.Mul(b.Mul(g, g), C(1 - s.Beta2)));
        var denominator = b.Add(b.Div(b.Sqrt(v), scalars[SqrtBiasCorrection2]), C(s.Epsilon));
        return (b.Sub(b.Mul(p, scalars[DecayFactor]), b.Mul(scalars[StepSize], b.Div(m, denominator))), [m, v]);
    }

    /// <summary>torch.optim.SGD: g ← g + wd·p; buf ← μ·buf + g (buf starts at 0, so the first step gives g); p ← p − lr·buf.</summary>
    private static (Value Param, Value[] State) Sgd(GraphBuilder b, OptimizerSettings s, Dictionary<string, Value> scalars, Value p, Value g, Value[] state)
    {
        using var _ = b.Scope("sgd");
        var buffer = b.Add(b.Mul(state[0], b.Scalar(s.Momentum, DataType.Float)), b.Add(g, b.Mul(p, scalars[WeightDecay])));
        return (b.Sub(p, b.Mul(scalars[LearningRate], buffer)), [buffer]);
    }
}
