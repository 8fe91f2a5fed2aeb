using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class ConcatSplitSliceRulesTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(-1)]
    public void ConcatMatchesFiniteDifferences(int axis)
    {
        var t = new OpCase();
        var a = t.Input("a", axis == 1 ? "2x3x4" : "2x3x1");
        var b = t.Input("b", axis == 1 ? "2x2x4" : "2x3x5");
        t.Check(t.B.Concat(axis, a, b, a));
    }

    [TestMethod]
    public void ConcatAlongSymbolicAxisMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var a = t.Input("a", "2x3", declared: new Shape(2, "n"));
        var b = t.Input("b", "2x4", declared: new Shape(2, "m"));
        t.Check(t.B.Concat(1, a, b));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void SplitMatchesFiniteDifferences(bool useAllOutputs)
    {
        var t = new OpCase();
        var parts = t.B.Ops("Split", 3, [t.Input("x", "2x6x3"), t.B.Ints(1, 3, 2)], ("axis", 1L));
        // With one output unused, the rule fills zeros for it.
        var y = useAllOutputs ? t.B.Concat(1, parts[2], parts[0], parts[1]) : t.B.Concat(1, parts[2], parts[0]);
        t.Check(y);
    }

    [TestMethod]
    [DataRow("1", "3", "1")]          // middle of one axis
    [DataRow("0,1", "-1,100", "1,2")] // end clamped, negative end
    [DataRow("-2", "1000", "2")]      // negative start
    [DataRow("0", "-1", "-2")]        // logits[:, :-1]-style on a negative axis
    public void SliceMatchesFiniteDifferences(string starts, string ends, string axes)
    {
        var t = new OpCase();
        long[] P(string s) => s.Split(',').Select(long.Parse).ToArray();
        var x = t.Input("x", "3x4x5");
        t.Check(t.B.Op("Slice", [x, t.B.Ints(P(starts)), t.B.Ints(P(ends)), t.B.Ints(P(axes))]));
    }

    [TestMethod]
    public void SliceOfSymbolicDimsMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "2x5x3", declared: new Shape("batch", "seq", 3));
        t.Check(t.B.Op("Slice", [x, t.B.Ints(1, -2), t.B.Ints(long.MaxValue, long.MaxValue), t.B.Ints(1, 2)]));
    }

    [TestMethod]
    [DataRow("0", "6", "0", "2")]        // every other element
    [DataRow("-1", "-100", "0", "-1")]   // reversed
    [DataRow("5,3", "0,0", "0,1", "-2,-2")]
    [DataRow("1,-1", "100,-100", "1,2", "2,-3")]
    public void SliceWithStepsMatchesFiniteDifferences(string starts, string ends, string axes, string steps)
    {
        var t = new OpCase();
        long[] P(string s) => s.Split(',').Select(long.Parse).ToArray();
        var x = t.Input("x", "6x5x7", declared: new Shape("a", 5, 7));
        t.Check(t.B.Op("Slice", [x, t.B.Ints(P(starts)), t.B.Ints(P(ends)), t.B.Ints(P(axes)), t.B.Ints(P(steps))]));
    }
}
