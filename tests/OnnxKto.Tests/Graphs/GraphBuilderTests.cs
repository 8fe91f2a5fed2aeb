using OnnxKto.Graphs;

namespace OnnxKto.Tests.Graphs;

[TestClass]
public sealed class GraphBuilderTests
{
    [TestMethod]
    public void OutputRenamesANodeOutputInPlace()
    {
        var (g, b, x) = NewGraph();
        var y = b.Exp(x);
        int nodes = g.Nodes.Count;
        var output = b.Output(y, "y");
        Assert.AreSame(y, output);
        Assert.AreEqual("y", y.Name);
        Assert.AreEqual(nodes, g.Nodes.Count, "no Identity for a node output");
        CollectionAssert.AreEqual(new[] { y }, g.Outputs.ToList());
    }

    [TestMethod]
    public void OutputCopiesAnInputOrAnOutputThroughIdentity()
    {
        var (g, b, x) = NewGraph();
        var first = b.Output(x, "x_copy");
        Assert.AreEqual("x", x.Name, "a graph input keeps its name");
        Assert.AreEqual("Identity", first.Producer!.OpType);
        var second = b.Output(first, "x_again");
        Assert.AreNotSame(first, second);
        Assert.AreEqual("Identity", second.Producer!.OpType);
        CollectionAssert.AreEqual(new[] { "x_copy", "x_again" }, g.Outputs.Select(o => o.Name).ToList());
    }

    [TestMethod]
    public void OutputUnderATakenNameIsAnErrorNamingIt()
    {
        var (_, b, x) = NewGraph();
        var e = Assert.ThrowsExactly<ArgumentException>(() => b.Output(b.Exp(x), "x"));
        StringAssert.Contains(e.Message, "'x'");
    }

    [TestMethod]
    public void OutputsCanBeMovedAndRemoved()
    {
        var (g, b, x) = NewGraph();
        var a = b.Output(b.Exp(x), "a");
        var c = b.Output(b.Neg(x), "c");
        g.InsertOutput(0, c);
        CollectionAssert.AreEqual(new[] { c, a }, g.Outputs.ToList());
        Assert.IsTrue(g.RemoveOutput(c));
        Assert.IsFalse(g.RemoveOutput(c));
        CollectionAssert.AreEqual(new[] { a }, g.Outputs.ToList());
        Assert.IsTrue(g.Contains("c"), "a removed output stays in the graph");
    }

    [TestMethod]
    public void CloneKeepsDetachedValuesAcrossRenames()
    {
        var (g, b, x) = NewGraph();
        var detached = b.Output(b.Detach(b.Exp(x)), "detached");
        var copy = g.Clone();
        CollectionAssert.AreEqual(new[] { copy["detached"] }, copy.Detached.ToList());
        Assert.AreNotSame(detached, copy["detached"]);
        Assert.IsFalse(g.Owns(copy["detached"]), "values belong to one graph");
    }

    private static (Graph, GraphBuilder, Value) NewGraph()
    {
        var g = new Graph("test");
        return (g, new GraphBuilder(g), g.AddInput("x", DataType.Float, new Shape(2)));
    }
}
