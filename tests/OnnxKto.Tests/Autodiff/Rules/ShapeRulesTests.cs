using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class ShapeRulesTests
{
    [TestMethod]
    public void ReshapeMatchesFiniteDifferences()
    {
        var t = new OpCase();
        t.Check(t.B.Reshape(t.Input("x", "2x3x4"), 0, 2, -1));
    }

    [TestMethod]
    public void ReshapeOfSymbolicShapeMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "2x3x4", declared: new Shape("batch", "seq", 4));
        t.Check(t.B.Reshape(x, 0, 0, 2, 2));
    }

    [TestMethod]
    public void FlattenMatchesFiniteDifferences()
    {
        var t = new OpCase();
        t.Check(t.B.Op("Flatten", [t.Input("x", "2x3x4")], ("axis", 2L)));
    }

    [TestMethod]
    [DataRow("2,0,1")]
    [DataRow("0,2,1")]
    [DataRow("")]
    public void TransposeMatchesFiniteDifferences(string perm)
    {
        var t = new OpCase();
        var x = t.Input("x", "2x3x4");
        t.Check(perm.Length == 0 ? t.B.Op("Transpose", [x]) : t.B.Transpose(x, perm.Split(',').Select(long.Parse).ToArray()));
    }

    [TestMethod]
    public void SqueezeMatchesFiniteDifferences()
    {
        var t = new OpCase();
        t.Check(t.B.Squeeze(t.Input("x", "2x1x3x1"), 1, -1));
    }

    [TestMethod]
    public void UnsqueezeMatchesFiniteDifferences()
    {
        var t = new OpCase();
        t.Check(t.B.Unsqueeze(t.Input("x", "2x3"), 0, 3));
    }

    [TestMethod]
    [DataRow("3x1", "2,3,4")]
    [DataRow("4", "2,3,4")]
    [DataRow("2x3", "2,3")]
    public void ExpandMatchesFiniteDifferences(string dims, string to)
    {
        var t = new OpCase();
        t.Check(t.B.Expand(t.Input("x", dims), t.B.Ints(to.Split(',').Select(long.Parse).ToArray())));
    }

    [TestMethod]
    public void IdentityMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "3x2");
        t.Check(t.B.Mul(t.B.Identity(x), x));
    }

    [TestMethod]
    public void CastMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var x = t.Input("x", "3x2");
        t.Check(t.B.Mul(t.B.Op("Cast", [x], ("to", (long)DataType.Double)), x));
    }

    [TestMethod]
    public void CastGradientReturnsToTheInputType()
    {
        var g = new Graph("cast");
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape(3));
        var loss = b.Op("ReduceSum", [b.Cast(x, DataType.Double)], ("keepdims", 0L));
        var backward = OnnxKto.Autodiff.ReverseModeAutodiff.Gradients(g, loss, [x]);
        Assert.AreEqual(DataType.Float, backward["x_grad"].Type);
        Assert.AreEqual(new Shape(3), backward["x_grad"].Shape);
    }
}
