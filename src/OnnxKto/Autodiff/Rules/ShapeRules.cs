namespace OnnxKto.Autodiff.Rules;

/// <summary>Ops that move data without arithmetic: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Identity, Cast.</summary>
internal static class ShapeRules
{
    // Reshape, Flatten, Squeeze, Unsqueeze:  dX = reshape(dY, shape(X))
    public static void ReshapeBack(GradientContext c) => c.Grad(0, () => c.B.Reshape(c.DY(), c.ShapeOf(c.X(0))));

    // Y = transpose(X, perm):  dX = transpose(dY, perm⁻¹)
    public static void Transpose(GradientContext c) => c.Grad(0, () =>
    {
        var perm = c.Node.Ints("perm") ?? Enumerable.Range(0, c.X(0).Rank).Reverse().Select(i => (long)i).ToArray();
        var inverse = new long[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return c.B.Transpose(c.DY(), inverse);
    });

    // Y = expand(X, shape):  dX = reduce(dY)
    public static void Expand(GradientContext c) => c.Grad(0, () => c.ReduceTo(c.DY(), c.X(0)));

    // Y = X:  dX = dY
    public static void Identity(GradientContext c) => c.Grad(0, () => c.DY());

    // Y = cast(X):  dX = cast(dY) back to X's type (integer X never needs a gradient)
    public static void Cast(GradientContext c) => c.Grad(0, () => c.B.Cast(c.DY(), c.X(0).Type));
}
