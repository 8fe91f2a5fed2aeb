using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;

namespace OnnxKto.Training.Optimizers;

/// <summary>
/// Builds <c>gradient_norm_model.onnx</c>: the global L2 norm of every trainable parameter's gradient,
/// <c>grad_norm</c> = √(Σ_p Σ_i p_grad[i]²), before clipping (as Hugging Face logs it and clip_grad_norm_ computes it).
/// Inputs: each <c>p_grad</c> at its parameter's shape. It runs before <see cref="OptimizerGraph"/>, so a non-finite
/// norm skips the update before anything is written.
/// </summary>
internal static class GradientNormGraph
{
    /// <summary>The output: the norm (float scalar).</summary>
    public const string GradNorm = "grad_norm";

    public static Graph Build(IReadOnlyList<ParameterSpec> trainable)
    {
        var g = new Graph("gradient_norm");
        var b = new GraphBuilder(g);
        var squares = trainable
            .Select(p => b.Op("ReduceSumSquare", [g.AddInput(GradientNames.Of(p.Name), DataType.Float, new Shape(p.Shape.Select(Dim.Of)))], ("keepdims", 0L)))
            .ToArray();
        b.Output(b.Sqrt(squares.Length == 1 ? squares[0] : b.Op("Sum", squares)), GradNorm);
        return g;
    }
}
