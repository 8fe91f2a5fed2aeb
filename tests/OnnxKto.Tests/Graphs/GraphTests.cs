using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Tests.Graphs;

/// <summary>Graph edits that passes use: overridable inputs, redirecting uses, restoring topological order.</summary>
[TestClass]
public sealed class GraphTests
{
    [TestMethod]
    public void AnExposedInitializerIsAnInputAndAnInitializerInCopiesAndInTheOnnxFile()
    {
        var g = new Graph();
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape("n", 2));
        var w = g.AddInitializer("w", TensorData.FromFloats([2, 0], []));
        g.ExposeAsInput(w, new Shape(2, "r"));
        b.Output(b.Op("MatMul", [x, w]), "y");

        var copy = g.Clone();
        Assert.AreSame(copy["w"], copy.Inputs[1]);
        CollectionAssert.Contains(copy.Initializers.ToList(), copy["w"]);
        Assert.AreEqual(new Shape(2, "r"), copy["w"].Shape);
        var proto = OnnxProtoConverter.ToProto(copy);
        CollectionAssert.AreEqual(new[] { "x", "w" }, proto.Graph.Input.Select(i => i.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "w" }, proto.Graph.Initializer.Select(i => i.Name).ToArray());
        Assert.AreEqual("r", proto.Graph.Input[1].Type.TensorType.Shape.Dim[1].DimParam);
        Assert.AreNotSame(w, new GraphBuilder(g).Const(w.Data!), "an overridable input is not reused as a constant");
        Assert.ThrowsExactly<ArgumentException>(() => g.ExposeAsInput(w, new Shape(2, "r")), "already an input");
    }

    [TestMethod]
    public void RedirectedUsesThenSortingPutsASplicedNodeBeforeItsReaders()
    {
        // x → Exp → e → Neg → z; then splice Abs(e) between Exp and Neg, appended last.
        var g = new Graph();
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape(3));
        var e = b.Exp(x);
        var neg = b.Op("Neg", [e]).Producer!;
        var abs = b.Op("Abs", [e]);
        g.RedirectUses(e, abs, except: abs.Producer);
        Assert.AreSame(abs, neg.Inputs[0]);
        CollectionAssert.AreEqual(new[] { abs.Producer }, e.Uses.ToArray());
        CollectionAssert.AreEqual(new[] { neg }, abs.Uses.ToArray());

        g.SortTopologically();
        CollectionAssert.AreEqual(new[] { "Exp", "Abs", "Neg" }, g.Nodes.Select(n => n.OpType).ToArray());
    }
}
