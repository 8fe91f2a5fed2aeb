using OnnxKto.Graphs;

namespace OnnxKto.Autodiff;

/// <summary>
/// What one gradient rule sees of the forward node it differentiates: its inputs X(i), outputs Y(i),
/// the incoming gradients dY(i), which inputs need a gradient, and a builder to emit backward ops with.
/// </summary>
internal sealed class GradientContext
{
    private readonly Func<Value, bool> _needsGradient;
    private readonly Action<Value, Value> _addGradient;

    internal GradientContext(GraphBuilder builder, Node node, Value?[] outputGradients,
        Func<Value, bool> needsGradient, Action<Value, Value> addGradient)
    {
        B = builder;
        Node = node;
        _outputGradients = outputGradients;
        _needsGradient = needsGradient;
        _addGradient = addGradient;
    }

    private readonly Value?[] _outputGradients;

    /// <summary>Emits the backward operators (scoped under the forward node's name).</summary>
    public GraphBuilder B { get; }

    /// <summary>The forward node.</summary>
    public Node Node { get; }

    /// <summary>Forward input <paramref name="i"/>.</summary>
    public Value X(int i) => Node.Input(i) ?? throw Unsupported($"input {i} is absent");

    /// <summary>True when forward input <paramref name="i"/> is present.</summary>
    public bool Has(int i) => Node.Input(i) is not null;

    /// <summary>Forward output <paramref name="i"/>.</summary>
    public Value Y(int i = 0) => Node.Output(i) ?? throw Unsupported($"output {i} is absent");

    /// <summary>The gradient of the loss with respect to output <paramref name="i"/>, or null when it has none.</summary>
    public Value? DYOrNull(int i = 0) => i < _outputGradients.Length ? _outputGradients[i] : null;

    /// <summary>The gradient with respect to output <paramref name="i"/>, zeros when nothing reaches it.</summary>
    public Value DY(int i = 0) => DYOrNull(i) ?? B.Fill(Y(i), 0);

    /// <summary>True when input <paramref name="i"/> lies on a path from a wanted input and needs a gradient.</summary>
    public bool Needs(int i) => Node.Input(i) is { } v && _needsGradient(v);

    /// <summary>
    /// Records the gradient of input <paramref name="i"/> (or one contribution to it). The backward ops in
    /// <paramref name="gradient"/> are emitted only when the input needs a gradient.
    /// </summary>
    public void Grad(int i, Func<Value> gradient)
    {
        if (!Needs(i)) return;
        var x = X(i);
        var g = gradient();
        if (x.Shape is { } xs && g.Shape is { } gs && xs.Rank != gs.Rank)
            throw new InvalidOperationException(
                $"Gradient rule for {Node} produced a rank-{gs.Rank} gradient {gs} for input '{x.Name}' of shape {xs}.");
        _addGradient(x, g);
    }

    /// <summary>The shape of <paramref name="v"/> as a 1-D int64 tensor: a constant when static.</summary>
    public Value ShapeOf(Value v) => v.Shape is { IsStatic: true } s ? B.Ints(s.ToLongs()) : B.ShapeOf(v);

    /// <summary>A scalar zero of <paramref name="like"/>'s element type.</summary>
    public Value Zero(Value like) => B.ScalarLike(0, like);

    /// <summary>
    /// Undoes broadcasting: sums <paramref name="gradient"/> over the axes along which <paramref name="like"/>
    /// was broadcast, and gives it <paramref name="like"/>'s shape. dA = ReduceSum(dY, broadcast axes).
    /// </summary>
    public Value ReduceTo(Value gradient, Value like)
    {
        var gs = gradient.Shape ?? throw Unsupported($"the rank of '{gradient.Name}' is unknown");
        var xs = like.Shape ?? throw Unsupported($"the rank of '{like.Name}' is unknown");
        if (gs.SameAs(xs)) return gradient;
        int lead = gs.Rank - xs.Rank;
        if (lead < 0) throw Unsupported($"gradient {gs} has lower rank than input {xs}");
        // An axis was broadcast where the input has a literal 1 and the output does not;
        // symbolic dims are taken to match (ONNX shape inference makes the same assumption).
        var axes = Enumerable.Range(0, lead)
            .Concat(Enumerable.Range(0, xs.Rank).Where(i => xs[i].Value == 1 && gs[i + lead].Value != 1).Select(i => i + lead))
            .Select(a => (long)a).ToArray();
        var reduced = axes.Length == 0 ? gradient : B.ReduceSum(gradient, axes, keepDims: true);
        return lead == 0 ? reduced : B.Reshape(reduced, ShapeOf(like));
    }

    /// <summary>Integer attribute of the forward node.</summary>
    public long Attr(string name, long fallback) => Node.Int(name, fallback);

    /// <summary>The error a rule raises for a case it does not cover.</summary>
    public NotSupportedException Unsupported(string why) =>
        new($"Cannot differentiate {Node.OpType} node '{Node.Name}': {why}.");
}
