using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class MatMulRulesTests
{
    [TestMethod]
    [DataRow("3x4", "4x5")]
    [DataRow("2x3x4", "4x5")]     // activations times a 2-D weight
    [DataRow("2x2x3x4", "4x5")]
    [DataRow("2x3x4", "2x4x5")]   // batched
    [DataRow("2x1x3x4", "3x4x5")] // broadcast batch axes on both sides
    [DataRow("3x4", "2x4x5")]
    public void MatMulMatchesFiniteDifferences(string a, string b)
    {
        var t = new OpCase();
        t.Check(t.B.MatMul(t.Input("a", a), t.Input("b", b)));
    }

    [TestMethod]
    public void MatMulWithSymbolicBatchMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "2x3x4", declared: new Shape("batch", "seq", 4));
        t.Check(t.B.MatMul(x, t.Input("w", "4x6")));
    }

    [TestMethod]
    [DataRow(0, 0, "3x4", "4x5", "5")]
    [DataRow(1, 0, "4x3", "4x5", "3x5")]
    [DataRow(0, 1, "3x4", "5x4", "1x5")]
    [DataRow(1, 1, "4x3", "5x4", "3x1")]
    public void GemmMatchesFiniteDifferences(int transA, int transB, string a, string b, string c)
    {
        var t = new OpCase();
        var y = t.B.Op("Gemm", [t.Input("a", a), t.Input("b", b), t.Input("c", c)],
            ("transA", (long)transA), ("transB", (long)transB), ("alpha", 0.7f), ("beta", 1.3f));
        t.Check(y);
    }
}
