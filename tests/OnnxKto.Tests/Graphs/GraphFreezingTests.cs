using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Graphs;

[TestClass]
public sealed class GraphFreezingTests
{
    [TestMethod]
    public void FrozenInputsBecomeInitializersAndTheOthersStayInputs()
    {
        var g = new Graph("affine");
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape("batch", 2));
        var w = g.AddInput("w", DataType.Float, new Shape(2, 2));
        g.AddOutput(b.MatMul(x, w));

        var frozen = GraphFreezing.Freeze(g, new Dictionary<string, TensorData> { ["w"] = TensorData.FromFloats([2, 2], [1, 2, 3, 4]) });

        CollectionAssert.AreEqual(new[] { "x" }, frozen.Inputs.Select(i => i.Name).ToArray());
        Assert.AreEqual("w", frozen.Initializers.Single(i => i.Name == "w").Name);
        CollectionAssert.AreEqual(new[] { "x", "w" }, g.Inputs.Select(i => i.Name).ToArray(), "the original graph is untouched");
        using var session = new OnnxSession(frozen);
        var y = session.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([1, 2], [1, 1]) }).Values.Single();
        CollectionAssert.AreEqual(new[] { 4f, 6f }, y.ToFloats());
    }

    [TestMethod]
    public void UnknownNamesAndMisfitTensorsAreRefused()
    {
        var g = new Graph("g");
        g.AddOutput(new GraphBuilder(g).Identity(g.AddInput("w", DataType.Float, new Shape(2))));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            GraphFreezing.Freeze(g, new Dictionary<string, TensorData> { ["v"] = TensorData.FromFloats([2], [1, 2]) })).Message, "no input 'v'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            GraphFreezing.Freeze(g, new Dictionary<string, TensorData> { ["w"] = TensorData.FromFloats([3], [1, 2, 3]) })).Message, "does not fit input 'w'");
    }
}
