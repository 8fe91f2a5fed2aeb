using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class ArithmeticRulesTests
{
    [TestMethod]
    [DataRow("Add", "2x3", "2x3")]
    [DataRow("Add", "2x3x4", "4")]
    [DataRow("Add", "2x1x4", "3x1")]
    [DataRow("Sub", "2x3", "2x3")]
    [DataRow("Sub", "3", "2x3")]
    [DataRow("Sub", "2x3x4", "1x3x1")]
    [DataRow("Mul", "2x3", "2x3")]
    [DataRow("Mul", "4x1x3", "5x3")]
    [DataRow("Mul", "", "2x3")]
    [DataRow("Div", "2x3", "2x3")]
    [DataRow("Div", "2x3x4", "3x1")]
    [DataRow("Div", "2x1", "2x5")]
    public void BinaryMatchesFiniteDifferences(string op, string a, string b)
    {
        var t = new OpCase();
        // Divisors stay away from zero.
        var y = t.B.Op(op, [t.Input("a", a), op == "Div" ? t.Input("b", b, 0.5, 2) : t.Input("b", b)]);
        t.Check(y);
    }

    [TestMethod]
    [DataRow("2x3x4")]
    [DataRow("5")]
    public void NegMatchesFiniteDifferences(string dims)
    {
        var t = new OpCase();
        t.Check(t.B.Neg(t.Input("x", dims)));
    }

    [TestMethod]
    [DataRow(2.0)]
    [DataRow(3.0)]
    [DataRow(-0.5)]
    [DataRow(1.5)]
    public void PowWithConstantExponentMatchesFiniteDifferences(double exponent)
    {
        var t = new OpCase();
        var x = t.Input("x", "3x4", 0.5, 2);
        t.Check(t.B.Op("Pow", [x, t.B.Scalar(exponent, DataType.Double)]));
    }

    [TestMethod]
    public void PowWithDifferentiableExponentIsRefused()
    {
        var t = new OpCase();
        var y = t.B.Op("Pow", [t.Input("x", "3", 0.5, 2), t.Input("p", "3")]);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => t.Check(y));
        StringAssert.Contains(e.Message, "exponent");
    }

    [TestMethod]
    public void SumOfThreeBroadcastInputsMatchesFiniteDifferences()
    {
        var t = new OpCase();
        t.Check(t.B.Op("Sum", [t.Input("a", "2x3"), t.Input("b", "3"), t.Input("c", "2x1")]));
    }
}
