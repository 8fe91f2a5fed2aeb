using OnnxKto.Graphs;

namespace OnnxKto.Training.Losses;

/// <summary>
/// log σ(x) without overflow, as PyTorch's <c>F.logsigmoid</c>: min(x, 0) − log(1 + exp(−|x|)). The min and the
/// absolute value are selections on the sign of x (Where), so the gradient at x = 0 is exactly σ(−0) = ½ where a
/// Min/Max rule would split a tie; at initialisation (policy = reference) the DPO and BCO logits are exactly 0.
/// </summary>
internal static class LogSigmoid
{
    public static Value Build(GraphBuilder b, Value x)
    {
        var zero = b.ScalarLike(0, x);
        var negative = b.Op("Less", [x, zero]);
        var minimum = b.Where(negative, x, zero);                         // min(x, 0)
        var magnitude = b.Where(negative, b.Neg(x), x);                   // |x|
        return b.Sub(minimum, b.Log(b.Add(b.ScalarLike(1, x), b.Exp(b.Neg(magnitude)))));
    }
}
