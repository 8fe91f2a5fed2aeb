using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

/// <summary>
/// The chunk update graph's interface: what GraphOptimizer binds. Its arithmetic is checked against torch's algorithms
/// in <see cref="GraphOptimizerTests"/>, over chunks of several lengths.
/// </summary>
[TestClass]
public sealed class OptimizerGraphTests
{
    [TestMethod]
    [DataRow(OptimizerKind.AdamW, "clip_coefficient,step_size,sqrt_bias_correction2,decay_factor")]
    [DataRow(OptimizerKind.Sgd, "clip_coefficient,learning_rate,weight_decay")]
    public void TensorsHaveOneSymbolicLengthAndThePerParameterValuesAreScalarInputs(OptimizerKind kind, string scalars)
    {
        var g = OptimizerGraph.Build(OptimizerChecks.Settings(kind, 1, 0.1));
        var tensors = OptimizerGraph.StateNames(kind, OptimizerGraph.Param).Prepend(GradientNames.Of(OptimizerGraph.Param)).Prepend(OptimizerGraph.Param).ToList();

        CollectionAssert.AreEqual(tensors.Concat(scalars.Split(',')).ToList(), g.Inputs.Select(i => i.Name).ToList());
        CollectionAssert.AreEqual(OptimizerGraph.ScalarInputs(kind).Select(s => s.Name).ToList(), scalars.Split(','));
        var updated = tensors.Where(t => !GradientNames.IsGradient(t)).Select(OptimizerGraph.Updated).ToList();
        CollectionAssert.AreEqual(updated, g.Outputs.Select(o => o.Name).ToList(), "param.new, then each state's .new");
        foreach (var v in g.Inputs.Where(i => tensors.Contains(i.Name)).Concat(g.Outputs))
            Assert.AreEqual(new Shape("n"), v.Shape, v.Name);
        Assert.IsTrue(g.Inputs.Where(i => !tensors.Contains(i.Name)).All(i => i.Shape?.Rank == 0), "scalars are rank 0");
        Assert.IsTrue(g.Values.Values.All(v => v.Type == DataType.Float), "float32 throughout");
    }
}
