using OnnxKto.Graphs;

namespace OnnxKto.Tests.Graphs;

[TestClass]
public sealed class ShapeInferenceTests
{
    private readonly Graph _g = new("shapes");
    private GraphBuilder B => new(_g);

    private Value In(string name, params Dim[] dims) => _g.AddInput(name, DataType.Float, new Shape(dims));

    [TestMethod]
    public void MatMulBroadcastsBatchAxes() =>
        Assert.AreEqual(new Shape("batch", 3, 2, 5), B.MatMul(In("a", "batch", 1, 2, 4), In("b", 3, 4, 5)).Shape);

    [TestMethod]
    public void ReshapeCopiesZerosAndInfersMinusOne()
    {
        Assert.AreEqual(new Shape("batch", "seq", 2, 3), B.Reshape(In("x", "batch", "seq", 6), 0, 0, 2, 3).Shape);
        Assert.AreEqual(new Shape(4, 6), B.Reshape(In("y", 2, 2, 6), -1, 6).Shape);
    }

    [TestMethod]
    public void ReshapeToShapeOfAnotherValueKeepsItsSymbols()
    {
        var like = In("like", "batch", "seq", 8);
        Assert.AreEqual(like.Shape, B.Reshape(In("x", "n", 8), B.ShapeOf(like)).Shape);
    }

    [TestMethod]
    public void SliceClampsLikeOnnx()
    {
        var x = In("x", 10, "seq");
        var y = B.Op("Slice", [x, B.Ints(-3, 0), B.Ints(long.MaxValue, -1), B.Ints(0, 1)]);
        Assert.AreEqual(new Shape(3, Dim.Unknown), y.Shape);
    }

    [TestMethod]
    public void GatherReplacesTheAxisByIndexDims()
    {
        var ids = _g.AddInput("ids", DataType.Int64, new Shape("batch", "seq"));
        Assert.AreEqual(new Shape("batch", "seq", 16), B.Gather(In("wte", 100, 16), ids).Shape);
    }

    [TestMethod]
    public void ConcatAddsFixedSizesAndLosesSymbols()
    {
        Assert.AreEqual(new Shape(2, 7), B.Concat(1, In("a", 2, 3), In("b", 2, 4)).Shape);
        Assert.AreEqual(new Shape(2, Dim.Unknown), B.Concat(-1, In("c", 2, "n"), In("d", 2, 4)).Shape);
    }

    [TestMethod]
    public void ReduceWithoutKeepDimsDropsAxes() =>
        Assert.AreEqual(new Shape("batch"), B.ReduceSum(In("x", "batch", "seq"), [1], keepDims: false).Shape);

    [TestMethod]
    public void LayerNormalizationStatisticsKeepLeadingAxes()
    {
        var outputs = B.Ops("LayerNormalization", 3, [In("x", "batch", "seq", 8), In("g", 8)], ("axis", -1L));
        Assert.AreEqual(new Shape("batch", "seq", 1), outputs[1].Shape);
        Assert.AreEqual(DataType.Float, outputs[2].Type);
    }

    [TestMethod]
    public void IncompatibleStaticShapesAreAnErrorNamingTheNode()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => B.Add(In("a", 2, 3), In("b", 4, 3)));
        StringAssert.Contains(e.Message, "Add");
    }
}
