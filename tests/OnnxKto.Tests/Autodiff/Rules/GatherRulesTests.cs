using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff.Rules;

[TestClass]
public sealed class GatherRulesTests
{
    [TestMethod]
    public void EmbeddingLookupWithRepeatedIdsMatchesFiniteDifferences()
    {
        var t = new OpCase();
        var table = t.Input("wte", "7x4");
        // Repeated ids: their gradients must add up.
        var ids = t.Feed("ids", TensorData.FromLongs([2, 4], [1, 3, 3, 0, 6, 1, 1, 2]), new Shape("batch", "seq"));
        t.Check(t.B.Gather(table, ids));
    }

    [TestMethod]
    [DataRow(1, "2x5x3", "4")]
    [DataRow(2, "2x3x5", "2x2")]
    [DataRow(-1, "3x5", "")]
    public void GatherAlongOtherAxesMatchesFiniteDifferences(int axis, string dataDims, string indexDims)
    {
        var t = new OpCase();
        var x = t.Input("x", dataDims);
        var idx = t.Feed("idx", t.Random.Indices(OpCase.Dims(indexDims), 5));
        t.Check(t.B.Gather(x, idx, axis));
    }

    [TestMethod]
    public void NegativeIndicesMatchFiniteDifferences()
    {
        var t = new OpCase();
        var idx = t.Feed("idx", TensorData.FromLongs([3], [-1, 0, -4]));
        t.Check(t.B.Gather(t.Input("x", "4x2"), idx));
    }

    [TestMethod]
    [DataRow(-1, "3x4x2")]
    [DataRow(0, "3x4x2")]
    [DataRow(-1, "3x4x1")] // one index per row (token log-probs): the Where form of the rule
    [DataRow(1, "3x1x3")]
    public void GatherElementsMatchesFiniteDifferences(int axis, string indexDims)
    {
        var t = new OpCase();
        var idx = t.Feed("idx", t.Random.Indices(OpCase.Dims(indexDims), 3));
        t.Check(t.B.Op("GatherElements", [t.Input("x", "3x4x3"), idx], ("axis", (long)axis)));
    }

    [TestMethod]
    public void OneIndexPerRowNeedsNoScatter()
    {
        var t = new OpCase();
        var idx = t.Feed("idx", t.Random.Indices([2, 5, 1], 7), new Shape("batch", "seq", 1));
        var x = t.Input("x", "2x5x7", declared: new Shape("batch", "seq", 7));
        var y = t.B.Op("GatherElements", [x, idx], ("axis", -1L));
        var loss = t.B.Op("ReduceSum", [y], ("keepdims", 0L));
        var backward = OnnxKto.Autodiff.ReverseModeAutodiff.Gradients(t.Graph, loss, [x]);
        Assert.IsFalse(backward.Nodes.Any(n => n.OpType == "ScatterElements"));
    }

    [TestMethod]
    [DataRow("none")]
    [DataRow("add")]
    public void ScatterNDMatchesFiniteDifferences(string reduction)
    {
        var t = new OpCase();
        var idx = t.Feed("idx", TensorData.FromLongs([3, 1], [4, 0, 2]));
        t.Check(t.B.Op("ScatterND", [t.Input("data", "6x2"), idx, t.Input("updates", "3x2")], ("reduction", reduction)));
    }
}
