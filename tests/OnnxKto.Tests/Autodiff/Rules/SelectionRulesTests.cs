using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class SelectionRulesTests
{
    [TestMethod]
    [DataRow("2x3", "2x3", "2x3")]
    [DataRow("2x3", "3", "")]
    [DataRow("3", "2x3", "2x1")]
    public void WhereMatchesFiniteDifferences(string condition, string a, string b)
    {
        var t = new OpCase();
        var c = t.Feed("c", t.Random.Bools(OpCase.Dims(condition)));
        t.Check(t.B.Where(c, t.Input("a", a), t.Input("b", b)));
    }

    [TestMethod]
    [DataRow("Max", "2x3", "2x3")]
    [DataRow("Max", "2x3", "3")]
    [DataRow("Min", "2x3", "2x3")]
    [DataRow("Min", "2x1", "2x4")]
    public void MaxMinMatchFiniteDifferences(string op, string a, string b)
    {
        var t = new OpCase();
        t.Check(t.B.Op(op, [t.Input("a", a), t.Input("b", b)]));
    }

    [TestMethod]
    [DataRow(true, true)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    public void ClipMatchesFiniteDifferences(bool withMin, bool withMax)
    {
        var t = new OpCase();
        var x = t.Input("x", "4x5", -2, 2);
        var lo = withMin ? t.B.Scalar(-0.7, DataType.Double) : null;
        var hi = withMax ? t.B.Scalar(0.9, DataType.Double) : null;
        t.Check(t.B.Op("Clip", [x, lo, hi]));
    }
}
