namespace OnnxKto.Autodiff.Rules;

/// <summary>Softmax and LogSoftmax over one axis (opset 13+ semantics).</summary>
internal static class SoftmaxRules
{
    // Y = softmax(X):  dX = Y ⊙ (dY − Σ_axis(dY ⊙ Y))
    public static void Softmax(GradientContext c) => c.Grad(0, () =>
    {
        var axis = Axis(c);
        var dotted = c.B.ReduceSum(c.B.Mul(c.DY(), c.Y()), [axis], keepDims: true);
        return c.B.Mul(c.Y(), c.B.Sub(c.DY(), dotted));
    });

    // Y = log softmax(X):  dX = dY − exp(Y) ⊙ Σ_axis dY
    public static void LogSoftmax(GradientContext c) => c.Grad(0, () =>
    {
        var axis = Axis(c);
        var total = c.B.ReduceSum(c.DY(), [axis], keepDims: true);
        return c.B.Sub(c.DY(), c.B.Mul(c.B.Exp(c.Y()), total));
    });

    private static long Axis(GradientContext c)
    {
        if (c.B.Graph.Opset < 13) throw c.Unsupported("opsets before 13 flatten the input (coerced 2-D semantics)");
        return c.Attr("axis", -1);
    }
}
