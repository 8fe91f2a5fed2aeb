using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class SoftmaxRulesTests
{
    [TestMethod]
    [DataRow("Softmax", -1)]
    [DataRow("Softmax", 1)]
    [DataRow("LogSoftmax", -1)]
    [DataRow("LogSoftmax", 0)]
    public void MatchesFiniteDifferences(string op, int axis)
    {
        var t = new OpCase();
        t.Check(t.B.Op(op, [t.Input("x", "2x3x5", -3, 3)], ("axis", (long)axis)));
    }
}
