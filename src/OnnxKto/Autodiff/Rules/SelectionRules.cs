namespace OnnxKto.Autodiff.Rules;

/// <summary>Where, Max, Min, Clip: the gradient goes to whichever input was selected.</summary>
internal static class SelectionRules
{
    // Y = cond ? A : B:  dA = reduce(cond ? dY : 0),  dB = reduce(cond ? 0 : dY)
    public static void Where(GradientContext c)
    {
        var zero = new Lazy<Graphs.Value>(() => c.Zero(c.Y()));
        c.Grad(1, () => c.ReduceTo(c.B.Where(c.X(0), c.DY(), zero.Value), c.X(1)));
        c.Grad(2, () => c.ReduceTo(c.B.Where(c.X(0), zero.Value, c.DY()), c.X(2)));
    }

    // Y = max(A, B) (or min):  dA = reduce(A == Y ? dY : 0),  dB = reduce(A == Y ? 0 : dY); a tie goes to A
    public static void MaxOrMin(GradientContext c)
    {
        int n = c.Node.Inputs.Count;
        if (n == 1) { c.Grad(0, () => c.DY()); return; }
        if (n > 2) throw c.Unsupported($"{n} inputs (only one or two are supported)");
        var aWins = new Lazy<Graphs.Value>(() => c.B.Op("Equal", [c.X(0), c.Y()]));
        c.Grad(0, () => c.ReduceTo(c.B.Where(aWins.Value, c.DY(), c.Zero(c.Y())), c.X(0)));
        c.Grad(1, () => c.ReduceTo(c.B.Where(aWins.Value, c.Zero(c.Y()), c.DY()), c.X(1)));
    }

    // Y = clip(X, lo, hi):  dX = dY where lo ≤ X ≤ hi, else 0 (bounds are treated as constants)
    public static void Clip(GradientContext c)
    {
        if (c.Needs(1) || c.Needs(2)) throw c.Unsupported("the clip bounds need a gradient; only the clipped input is supported");
        c.Grad(0, () =>
        {
            var x = c.X(0);
            Graphs.Value? inside = null;
            if (c.Has(1)) inside = c.B.Op("GreaterOrEqual", [x, c.X(1)]);
            if (c.Has(2))
            {
                var below = c.B.Op("LessOrEqual", [x, c.X(2)]);
                inside = inside is null ? below : c.B.Op("And", [inside, below]);
            }
            return inside is null ? c.DY() : c.B.Where(inside, c.DY(), c.Zero(x));
        });
    }
}
