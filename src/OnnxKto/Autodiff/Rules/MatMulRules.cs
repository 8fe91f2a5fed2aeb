namespace OnnxKto.Autodiff.Rules;

/// <summary>MatMul (batched, broadcast, 2-D weights) and Gemm.</summary>
internal static class MatMulRules
{
    // Y = A·B with A (…, M, K), B (…, K, N):
    //   dA = reduce(dY · Bᵀ)
    //   dB = reduce(Aᵀ · dY); for a 2-D weight B: flatten(A)ᵀ · flatten(dY), one GEMM over all rows
    public static void MatMul(GradientContext c)
    {
        var (a, b) = (c.X(0), c.X(1));
        if (a.Rank < 2 || b.Rank < 2) throw c.Unsupported("1-D operands are not supported; reshape them to matrices");
        c.Grad(0, () => c.ReduceTo(c.B.MatMul(c.DY(), SwapLastTwo(c, b)), a));
        c.Grad(1, () =>
        {
            if (b.Rank == 2 && a.Rank > 2)
            {
                var rowsA = c.B.Op("Flatten", [a], ("axis", (long)(a.Rank - 1)));       // (rows, K)
                var rowsDY = c.B.Op("Flatten", [c.DY()], ("axis", (long)(a.Rank - 1))); // (rows, N)
                return c.B.Op("Gemm", [rowsA, rowsDY], ("transA", 1L));                  // (K, N)
            }
            return c.ReduceTo(c.B.MatMul(SwapLastTwo(c, a), c.DY()), b);
        });
    }

    // Y = α·op(A)·op(B) + β·C:
    //   dA = α·dY·op(B)ᵀ, transposed back when transA;  dB = α·op(A)ᵀ·dY, transposed back when transB;  dC = β·reduce(dY)
    public static void Gemm(GradientContext c)
    {
        float alpha = c.Node.Float("alpha", 1f), beta = c.Node.Float("beta", 1f);
        long transA = c.Attr("transA", 0), transB = c.Attr("transB", 0);
        c.Grad(0, () => transA == 0
            ? c.B.Op("Gemm", [c.DY(), c.X(1)], ("alpha", alpha), ("transB", 1 - transB))
            : c.B.Op("Gemm", [c.X(1), c.DY()], ("alpha", alpha), ("transA", transB), ("transB", 1L)));
        c.Grad(1, () => transB == 0
            ? c.B.Op("Gemm", [c.X(0), c.DY()], ("alpha", alpha), ("transA", 1 - transA))
            : c.B.Op("Gemm", [c.DY(), c.X(0)], ("alpha", alpha), ("transA", 1L), ("transB", transA)));
        c.Grad(2, () =>
        {
            var dC = c.ReduceTo(c.DY(), c.X(2));
            return beta == 1f ? dC : c.B.Mul(dC, c.B.ScalarLike(beta, dC));
        });
    }

    private static Graphs.Value SwapLastTwo(GradientContext c, Graphs.Value v)
    {
        var perm = Enumerable.Range(0, v.Rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return c.B.Transpose(v, perm);
    }
}
