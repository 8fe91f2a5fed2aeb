using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Autodiff;

[TestClass]
public sealed class ReverseModeAutodiffTests
{
    [TestMethod]
    public void OperatorWithoutRuleOnThePathIsAnErrorNamingOpAndNode()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Float, new Shape(3));
        Value y;
        using (b.Scope("layer"))
            y = b.Op("Sin", [x]);
        var loss = b.Op("ReduceSum", [y], ("keepdims", 0L));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ReverseModeAutodiff.Gradients(g, loss, [x]));
        StringAssert.Contains(e.Message, "'Sin'");
        StringAssert.Contains(e.Message, "/layer/Sin");
    }

    [TestMethod]
    public void OperatorsWithoutRulesOffThePathAreFine()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Float, new Shape(4));
        var other = g.AddInput("other", DataType.Float, new Shape(4));
        // ArgMax yields integers and Sin only touches a value nobody differentiates: neither needs a rule.
        var index = b.Op("ArgMax", [x], ("keepdims", 1L));
        var picked = b.Gather(x, index);
        var loss = b.Op("ReduceSum", [b.Mul(picked, b.Op("ReduceSum", [b.Op("Sin", [other])], ("keepdims", 1L)))], ("keepdims", 0L));
        var backward = ReverseModeAutodiff.Gradients(g, loss, [x]);
        Assert.IsTrue(backward.Contains("x_grad"));
    }

    [TestMethod]
    public void StoppedValueBlocksItsPath()
    {
        // loss = Σ a ⊙ c with c = exp(a) stopped: d loss/d a = exp(a), without the a ⊙ exp(a) term.
        var (g, b) = NewGraph();
        var a = g.AddInput("a", DataType.Double, new Shape(3));
        var c = b.Exp(a);
        var loss = b.Op("ReduceSum", [b.Mul(a, c)], ("keepdims", 0L));
        var backward = ReverseModeAutodiff.Gradients(g, loss, [a], stop: [c]);
        double[] at = [0.3, -1.2, 2.0];
        var grad = Run(backward, ("a", at))["a_grad"].ToDoubles();
        for (int i = 0; i < 3; i++) Assert.AreEqual(Math.Exp(at[i]), grad[i], 1e-12);
    }

    [TestMethod]
    public void DetachedValueBlocksItsPathLikeAStopValue()
    {
        var (g, b) = NewGraph();
        var a = g.AddInput("a", DataType.Double, new Shape(3));
        var loss = b.Op("ReduceSum", [b.Mul(a, b.Detach(b.Exp(a)))], ("keepdims", 0L));
        double[] at = [0.3, -1.2, 2.0];
        var grad = Run(ReverseModeAutodiff.Gradients(g, loss, [a]), ("a", at))["a_grad"].ToDoubles();
        for (int i = 0; i < 3; i++) Assert.AreEqual(Math.Exp(at[i]), grad[i], 1e-12);
    }

    [TestMethod]
    public void StoppedInputGetsZeroGradientAndNoBackwardNodes()
    {
        // Like the reference log-probs in KTO: an input that enters the loss but must not be trained.
        var (g, b) = NewGraph();
        var policy = g.AddInput("policy", DataType.Double, new Shape(2));
        var reference = g.AddInput("reference", DataType.Double, new Shape(2));
        var refScaled = b.Mul(reference, b.Scalar(3, DataType.Double));
        var loss = b.Op("ReduceSum", [b.Op("Sigmoid", [b.Sub(policy, refScaled)])], ("keepdims", 0L));
        var backward = ReverseModeAutodiff.Gradients(g, loss, [policy, reference], stop: [reference]);

        var result = Run(backward, ("policy", [0.5, -0.25]), ("reference", [0.1, 0.2]));
        CollectionAssert.AreEqual(new double[] { 0, 0 }, result["reference_grad"].ToDoubles());
        var s = new[] { 0.5 - 0.3, -0.25 - 0.6 }.Select(z => 1 / (1 + Math.Exp(-z))).ToArray();
        var grad = result["policy_grad"].ToDoubles();
        for (int i = 0; i < 2; i++) Assert.AreEqual(s[i] * (1 - s[i]), grad[i], 1e-12);
        Assert.IsFalse(backward.Nodes.Any(n => n.Name.StartsWith("/backward/Mul")), "the stopped branch got a backward");
    }

    [TestMethod]
    public void FanOutGradientsAreSummed()
    {
        // loss = Σ x ⊙ x ⊙ x: x feeds three uses; d/dx = 3x².
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Double, new Shape(3));
        var loss = b.Op("ReduceSum", [b.Mul(b.Mul(x, x), x)], ("keepdims", 0L));
        var backward = ReverseModeAutodiff.Gradients(g, loss, [x]);
        double[] at = [1.5, -2, 0.5];
        var grad = Run(backward, ("x", at))["x_grad"].ToDoubles();
        for (int i = 0; i < 3; i++) Assert.AreEqual(3 * at[i] * at[i], grad[i], 1e-12);
    }

    [TestMethod]
    public void UnconnectedInputGetsZeros()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Double, new Shape(2));
        var unused = g.AddInput("unused", DataType.Double, new Shape(2, 2));
        var loss = b.Op("ReduceSum", [x], ("keepdims", 0L));
        var backward = ReverseModeAutodiff.Gradients(g, loss, [x, unused]);
        var result = Run(backward, ("x", [1, 2]), ("unused", [1, 2, 3, 4]));
        CollectionAssert.AreEqual(new double[4], result["unused_grad"].ToDoubles());
    }

    [TestMethod]
    public void IntegerInputCannotBeDifferentiated()
    {
        var (g, b) = NewGraph();
        var ids = g.AddInput("ids", DataType.Int64, new Shape(2));
        var loss = b.Op("ReduceSum", [b.Cast(ids, DataType.Float)], ("keepdims", 0L));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ReverseModeAutodiff.Gradients(g, loss, [ids]));
        StringAssert.Contains(e.Message, "ids");
    }

    [TestMethod]
    public void ForwardGraphIsLeftUnchanged()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Float, new Shape(2));
        var loss = b.Op("ReduceSum", [b.Exp(x)], ("keepdims", 0L));
        g.AddOutput(loss);
        int nodes = g.Nodes.Count;
        ReverseModeAutodiff.Gradients(g, loss, [x]);
        Assert.AreEqual(nodes, g.Nodes.Count);
        Assert.AreEqual(1, g.Outputs.Count);
    }

    [TestMethod]
    public void ValueOfAnotherGraphIsAnErrorNamingIt()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Float, new Shape(2));
        var loss = b.Op("ReduceSum", [x], ("keepdims", 0L));
        var other = new Graph("other").AddInput("x", DataType.Float, new Shape(2));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ReverseModeAutodiff.Gradients(g, loss, [other]));
        StringAssert.Contains(e.Message, "'x'");
        StringAssert.Contains(e.Message, "'test'");
    }

    [TestMethod]
    public void DetachSurvivesARenameOfTheDetachedValue()
    {
        // Detached values are tracked as values, so naming one as an output keeps it detached.
        var (g, b) = NewGraph();
        var a = g.AddInput("a", DataType.Double, new Shape(3));
        var detached = b.Output(b.Detach(b.Exp(a)), "exp_a");
        var loss = b.Op("ReduceSum", [b.Mul(a, detached)], ("keepdims", 0L));
        double[] at = [0.3, -1.2, 2.0];
        var grad = Run(ReverseModeAutodiff.Gradients(g, loss, [a]), ("a", at))["a_grad"].ToDoubles();
        for (int i = 0; i < 3; i++) Assert.AreEqual(Math.Exp(at[i]), grad[i], 1e-12);
    }

    /// <summary>
    /// Two residual blocks sharing a weight, h₁ = x + tanh(x·W), h₂ = h₁ + s ⊙ tanh(h₁·W), loss = Σ h₂²: with each block a
    /// checkpoint segment, the gradients (W's summed over both recomputed blocks) are those of the plain backward, and
    /// the backward reads the blocks' forward only at their boundaries.
    /// </summary>
    [TestMethod]
    public void CheckpointSegmentsGiveTheSameGradientsAndReadOnlyTheirBoundaries()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Double, new Shape(2, 3));
        var w = g.AddInput("w", DataType.Double, new Shape(3, 3));
        var scale = g.AddInput("s", DataType.Double, new Shape(3));
        Value h1, h2;
        using (b.Scope("block1")) h1 = b.Add(x, b.Op("Tanh", [b.MatMul(x, w)]));
        using (b.Scope("block2")) h2 = b.Add(h1, b.Mul(scale, b.Op("Tanh", [b.MatMul(h1, w)])));
        var loss = b.Op("ReduceSum", [b.Mul(h2, h2)], ("keepdims", 0L));
        CheckpointSegment[] segments = [new([x], h1), new([h1], h2)];

        var plain = ReverseModeAutodiff.Gradients(g, loss, [x, w, scale]);
        var checkpointed = ReverseModeAutodiff.Gradients(g, loss, [x, w, scale], checkpoints: segments);
        (string, double[])[] feeds = [("x", [0.3, -1.2, 2.0, 0.5, 0.1, -0.7]), ("w", [0.2, -0.4, 0.9, 1.1, -0.3, 0.5, -0.8, 0.6, 0.1]), ("s", [1.5, -0.5, 0.7])];
        var expected = Run(plain, feeds);
        var actual = Run(checkpointed, feeds);
        foreach (var name in new[] { "x_grad", "w_grad", "s_grad" })
            CollectionAssert.AreEqual(expected[name].ToDoubles(), actual[name].ToDoubles(), new Tolerance(1e-13), name);

        var inner = checkpointed.Nodes.Where(n => n.Name.StartsWith("/block")).SelectMany(n => n.Outputs)
            .Where(v => v.Name != h1.Name && v.Name != h2.Name).ToHashSet();
        var readers = checkpointed.Nodes.Where(n => !n.Name.StartsWith("/block") && n.Inputs.Any(i => i is not null && inner.Contains(i))).ToList();
        Assert.AreEqual(0, readers.Count, "backward nodes reading the blocks' inner forward values: " + string.Join(", ", readers));
        Assert.AreEqual(2, checkpointed.Nodes.Count(n => n.Name.StartsWith("/recompute/block") && n.OpType == "Tanh"), "each block is recomputed once");
        var plainReaders = plain.Nodes.Where(n => n.Name.StartsWith("/backward") && n.Inputs.Any(i => i is not null && i.Producer?.Name.StartsWith("/block") == true && i != h1 && i != h2));
        Assert.IsTrue(plainReaders.Any(), "without checkpoints the backward does read inner values (the check above can fail)");
    }

    [TestMethod]
    public void MalformedCheckpointSegmentsAreErrors()
    {
        var (g, b) = NewGraph();
        var x = g.AddInput("x", DataType.Double, new Shape(3));
        var other = g.AddInput("other", DataType.Double, new Shape(3));
        var t = b.Op("Tanh", [x]);
        var y = b.Exp(t);
        var loss = b.Op("ReduceSum", [b.Mul(b.Mul(y, t), other)], ("keepdims", 0L));

        var notFromInputs = Assert.ThrowsExactly<ArgumentException>(() => ReverseModeAutodiff.Gradients(g, loss, [x], checkpoints: [new([other], y)]));
        StringAssert.Contains(notFromInputs.Message, "not computed from the inputs");
        var overlap = Assert.ThrowsExactly<ArgumentException>(() => ReverseModeAutodiff.Gradients(g, loss, [x], checkpoints: [new([x], y), new([x], t)]));
        StringAssert.Contains(overlap.Message, "must not overlap");
        // t is inside x → y but the loss also reads it: recomputing the segment would lose that path.
        var leak = Assert.ThrowsExactly<ArgumentException>(() => ReverseModeAutodiff.Gradients(g, loss, [x], checkpoints: [new([x], y)]));
        StringAssert.Contains(leak.Message, t.Name);
    }

    private sealed class Tolerance(double eps) : System.Collections.IComparer
    {
        public int Compare(object? a, object? b) => Math.Abs((double)a! - (double)b!) <= eps * Math.Max(1, Math.Abs((double)a!)) ? 0 : 1;
    }

    private static (Graph, GraphBuilder) NewGraph()
    {
        var g = new Graph("test");
        return (g, new GraphBuilder(g));
    }

    private static Dictionary<string, TensorData> Run(Graph g, params (string Name, double[] Values)[] feeds)
    {
        using var session = new OnnxSession(g, optimize: false);
        return session.Run(feeds.ToDictionary(f => f.Name, f => TensorData.FromDoubles(g[f.Name].Shape!.ToLongs(), f.Values)));
    }
}
