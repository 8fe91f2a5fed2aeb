namespace OnnxKto.Autodiff.Rules;

/// <summary>Broadcasting arithmetic: Add, Sub, Mul, Div, Neg, Pow, Sum.</summary>
internal static class ArithmeticRules
{
    // Y = A + B:  dA = reduce(dY),  dB = reduce(dY)
    public static void Add(GradientContext c)
    {
        c.Grad(0, () => c.ReduceTo(c.DY(), c.X(0)));
        c.Grad(1, () => c.ReduceTo(c.DY(), c.X(1)));
    }

    // Y = ΣXᵢ:  dXᵢ = reduce(dY)
    public static void Sum(GradientContext c)
    {
        for (int i = 0; i < c.Node.Inputs.Count; i++)
        {
            int k = i;
            c.Grad(k, () => c.ReduceTo(c.DY(), c.X(k)));
        }
    }

    // Y = A − B:  dA = reduce(dY),  dB = −reduce(dY)
    public static void Sub(GradientContext c)
    {
        c.Grad(0, () => c.ReduceTo(c.DY(), c.X(0)));
        c.Grad(1, () => c.B.Neg(c.ReduceTo(c.DY(), c.X(1))));
    }

    // Y = A ⊙ B:  dA = reduce(dY ⊙ B),  dB = reduce(dY ⊙ A)
    public static void Mul(GradientContext c)
    {
        c.Grad(0, () => c.ReduceTo(c.B.Mul(c.DY(), c.X(1)), c.X(0)));
        c.Grad(1, () => c.ReduceTo(c.B.Mul(c.DY(), c.X(0)), c.X(1)));
    }

    // Y = A / B:  dA = reduce(dY / B),  dB = reduce(−dY ⊙ Y / B)
    public static void Div(GradientContext c)
    {
        c.Grad(0, () => c.ReduceTo(c.B.Div(c.DY(), c.X(1)), c.X(0)));
        c.Grad(1, () => c.ReduceTo(c.B.Neg(c.B.Div(c.B.Mul(c.DY(), c.Y()), c.X(1))), c.X(1)));
    }

    // Y = −X:  dX = −dY
    public static void Neg(GradientContext c) => c.Grad(0, () => c.B.Neg(c.DY()));

    // Y = X^p with p constant:  dX = reduce(dY ⊙ p ⊙ X^(p−1))
    public static void Pow(GradientContext c)
    {
        if (c.Needs(1)) throw c.Unsupported("the exponent needs a gradient; only constant exponents are supported");
        c.Grad(0, () =>
        {
            var x = c.X(0);
            var p = c.B.Cast(c.X(1), x.Type);
            var xPowPm1 = c.B.Op("Pow", [x, c.B.Sub(p, c.B.ScalarLike(1, x))]);
            return c.ReduceTo(c.B.Mul(c.DY(), c.B.Mul(p, xPowPm1)), x);
        });
    }
}
