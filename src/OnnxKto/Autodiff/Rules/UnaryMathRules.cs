namespace OnnxKto.Autodiff.Rules;

/// <summary>Elementwise functions of one input: Sqrt, Reciprocal, Exp, Log, Tanh, Sigmoid, Erf, Relu.</summary>
internal static class UnaryMathRules
{
    // Y = √X:  dX = dY ⊙ 0.5 / Y
    public static void Sqrt(GradientContext c) =>
        c.Grad(0, () => c.B.Div(c.B.Mul(c.DY(), c.B.ScalarLike(0.5, c.Y())), c.Y()));

    // Y = 1/X:  dX = −dY ⊙ Y²
    public static void Reciprocal(GradientContext c) =>
        c.Grad(0, () => c.B.Neg(c.B.Mul(c.DY(), c.B.Mul(c.Y(), c.Y()))));

    // Y = eˣ:  dX = dY ⊙ Y
    public static void Exp(GradientContext c) => c.Grad(0, () => c.B.Mul(c.DY(), c.Y()));

    // Y = ln X:  dX = dY / X
    public static void Log(GradientContext c) => c.Grad(0, () => c.B.Div(c.DY(), c.X(0)));

    // Y = tanh X:  dX = dY ⊙ (1 − Y²)
    public static void Tanh(GradientContext c) =>
        c.Grad(0, () => c.B.Mul(c.DY(), c.B.Sub(c.B.ScalarLike(1, c.Y()), c.B.Mul(c.Y(), c.Y()))));

    // Y = σ(X):  dX = dY ⊙ Y ⊙ (1 − Y)
    public static void Sigmoid(GradientContext c) =>
        c.Grad(0, () => c.B.Mul(c.DY(), c.B.Mul(c.Y(), c.B.Sub(c.B.ScalarLike(1, c.Y()), c.Y()))));

    // Y = erf X:  dX = dY ⊙ 2/√π ⊙ exp(−X²)
    public static void Erf(GradientContext c) => c.Grad(0, () =>
    {
        var x = c.X(0);
        var gauss = c.B.Exp(c.B.Neg(c.B.Mul(x, x)));
        return c.B.Mul(c.DY(), c.B.Mul(gauss, c.B.ScalarLike(2 / Math.Sqrt(Math.PI), x)));
    });

    // Y = max(X, 0):  dX = dY where X > 0, else 0
    public static void Relu(GradientContext c) =>
        c.Grad(0, () => c.B.Where(c.B.Op("Greater", [c.X(0), c.Zero(c.X(0))]), c.DY(), c.Zero(c.X(0))));
}
