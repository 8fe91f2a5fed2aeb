using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class ReductionRulesTests
{
    [TestMethod]
    [DataRow("ReduceSum", "1", 1)]
    [DataRow("ReduceSum", "0,2", 0)]
    [DataRow("ReduceSum", "", 0)]
    [DataRow("ReduceMean", "-1", 1)]
    [DataRow("ReduceMean", "0,1", 0)]
    [DataRow("ReduceMax", "2", 0)]
    [DataRow("ReduceMax", "1", 1)]
    [DataRow("ReduceLogSumExp", "-1", 0)]
    [DataRow("ReduceLogSumExp", "0,2", 1)]
    public void MatchesFiniteDifferences(string op, string axes, int keepDims)
    {
        var t = new OpCase();
        var x = t.Input("x", "2x3x4", -2, 2);
        Value?[] inputs = axes.Length == 0 ? [x] : [x, t.B.Ints(axes.Split(',').Select(long.Parse).ToArray())];
        t.Check(t.B.Op(op, inputs, ("keepdims", (long)keepDims)));
    }

    [TestMethod]
    public void ReduceMeanOverSymbolicAxisMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "2x3x4", declared: new Shape("batch", "seq", 4));
        t.Check(t.B.ReduceMean(x, [1], keepDims: false));
    }
}
