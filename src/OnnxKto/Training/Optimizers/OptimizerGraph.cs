using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;

namespace OnnxKto.Training.Optimizers;

/// <summary>
/// Builds <c>optimizer_model.onnx</c>: one update of every trainable parameter in standard ONNX operators.
/// Inputs: <c>learning_rate</c> and <c>step</c> (float scalars; step counts updates from 1), then per parameter p:
/// <c>p</c>, <c>p_grad</c> and its state (<see cref="StateNames"/>). Outputs: <c>p.new</c> and each
/// <c>&lt;state&gt;.new</c>, plus <c>grad_norm</c>, the global L2 norm before clipping (as Hugging Face logs it).
/// Gradients are first clipped by the global norm: g ← g·min(1, max_grad_norm / (norm + 1e-6)).
/// </summary>
internal static class OptimizerGraph
{
    public const string LearningRate = "learning_rate";
    public const string Step = "step";
    public const string GradNorm = "grad_norm";

    /// <summary>Optimizer state tensors of one parameter, named as PyTorch's optimizer state.</summary>
    public static IReadOnlyList<string> StateNames(OptimizerKind kind, string parameter) => kind switch
    {
        OptimizerKind.AdamW => [$"{parameter}.exp_avg", $"{parameter}.exp_avg_sq"],
        OptimizerKind.Sgd => [$"{parameter}.momentum_buffer"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Updated(string name) => name + ".new";

    public static Graph Build(IReadOnlyList<ParameterSpec> trainable, OptimizerSettings settings)
    {
        var g = new Graph("optimizer");
        var b = new GraphBuilder(g);
        var lr = g.AddInput(LearningRate, DataType.Float, Shape.Scalar);
        var step = g.AddInput(Step, DataType.Float, Shape.Scalar);
        var inputs = trainable.Select(p => (
            Spec: p,
            Param: g.AddInput(p.Name, DataType.Float, new Shape(p.Shape.Select(Dim.Of))),
            Grad: g.AddInput(GradientNames.Of(p.Name), DataType.Float, new Shape(p.Shape.Select(Dim.Of))),
            State: StateNames(settings.Kind, p.Name).Select(s => g.AddInput(s, DataType.Float, new Shape(p.Shape.Select(Dim.Of)))).ToArray()))
            .ToList();

        Value C(double v) => b.Scalar(v, DataType.Float);
        Value norm;
        using (b.Scope("clip"))
        {
            var squares = inputs.Select(i => b.Op("ReduceSumSquare", [i.Grad], ("keepdims", 0L))).ToArray();
            norm = b.Sqrt(squares.Length == 1 ? squares[0] : b.Op("Sum", squares));
        }
        var coefficient = settings.MaxGradNorm > 0
            ? b.Op("Min", [C(1), b.Div(C(settings.MaxGradNorm), b.Add(norm, C(1e-6)))])
            : null;
        var update = settings.Kind == OptimizerKind.AdamW ? AdamW(b, settings, lr, step) : Sgd(b, settings, lr);
        foreach (var (spec, param, grad, state) in inputs)
            using (b.Scope(spec.Name))
            {
                var clipped = coefficient is null ? grad : b.Mul(grad, coefficient);
                var (newParam, newState) = update(spec, param, clipped, state);
                b.Output(newParam, Updated(spec.Name));
                for (int i = 0; i < state.Length; i++) b.Output(newState[i], Updated(state[i].Name));
            }
        b.Output(norm, GradNorm);
        return g;
    }

    private delegate (Value Param, Value[] State) ParameterUpdate(ParameterSpec spec, Value param, Value grad, Value[] state);

    /// <summary>
    /// torch.optim.AdamW: p ← p − lr·wd·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
    /// p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε).
    /// </summary>
    private static ParameterUpdate AdamW(GraphBuilder b, OptimizerSettings s, Value lr, Value step)
    {
        Value C(double v) => b.Scalar(v, DataType.Float);
        Value stepSize, sqrtCorrection2, decayFactor;
        using (b.Scope("adamw"))
        {
            var correction1 = b.Sub(C(1), b.Op("Pow", [C(s.Beta1), step]));
            sqrtCorrection2 = b.Sqrt(b.Sub(C(1), b.Op("Pow", [C(s.Beta2), step])));
            stepSize = b.Div(lr, correction1);
            decayFactor = b.Sub(C(1), b.Mul(lr, C(s.WeightDecay)));
        }
        return (spec, p, g, state) =>
        {
            var decayed = spec.Decay && s.WeightDecay != 0 ? b.Mul(p, decayFactor) : p;
            var m = b.Add(b.Mul(state[0], C(s.Beta1)), b.Mul(g, C(1 - s.Beta1)));
            var v = b.Add(b.Mul(state[1], C(s.Beta2)), b.Mul(b.Mul(g, g), C(1 - s.Beta2)));
            var denominator = b.Add(b.Div(b.Sqrt(v), sqrtCorrection2), C(s.Epsilon));
            return (b.Sub(decayed, b.Mul(stepSize, b.Div(m, denominator))), [m, v]);
        };
    }

    /// <summary>torch.optim.SGD: g ← g + wd·p; buf ← μ·buf + g (buf starts at 0, so the first step gives g); p ← p − lr·buf.</summary>
    private static ParameterUpdate Sgd(GraphBuilder b, OptimizerSettings s, Value lr)
    {
        Value C(double v) => b.Scalar(v, DataType.Float);
        return (spec, p, g, state) =>
        {
            var withDecay = spec.Decay && s.WeightDecay != 0 ? b.Add(g, b.Mul(p, C(s.WeightDecay))) : g;
            var buffer = b.Add(b.Mul(state[0], C(s.Momentum)), withDecay);
            return (b.Sub(p, b.Mul(lr, buffer)), [buffer]);
        };
    }
}
