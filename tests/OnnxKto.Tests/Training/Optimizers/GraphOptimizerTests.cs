using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

/// <summary>
/// CUDA's optimizer path (gradient norm graph, then the chunk update graph through the scratch) run on the CPU, against
/// the float64 loop written from torch.optim's documented algorithms.
/// </summary>
[TestClass]
public sealed class GraphOptimizerTests
{
    [TestMethod]
    [DataRow(OptimizerKind.AdamW, 0.5, 0.1, 64L)]    // clipping and decay; w spans three chunks, e two, b one short one
    [DataRow(OptimizerKind.AdamW, 0.0, 0.0, 64L)]    // no clipping, no decay
    [DataRow(OptimizerKind.Sgd, 1.0, 0.01, 64L)]     // momentum 0.9
    [DataRow(OptimizerKind.AdamW, 0.5, 0.1, 1L << 24)]  // the default chunk: one run per tensor, scratch as long as w
    public void SeveralStepsInChunksMatchTorchsAlgorithms(OptimizerKind kind, double maxNorm, double weightDecay, long chunk)
    {
        var settings = OptimizerChecks.Settings(kind, maxNorm, weightDecay);
        OptimizerChecks.SeveralStepsMatchTorch(settings, context =>
        {
            var optimizer = Open(context, settings, chunk);
            Assert.AreEqual(Math.Min(chunk, 185), optimizer.ChunkElements, "the scratch is no longer than the largest parameter (w: 185)");
            return optimizer;
        });
    }

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.NegativeInfinity)]
    public void ANonFiniteGradientLeavesEveryParameterAndMomentUntouched(float bad)
    {
        var settings = OptimizerChecks.Settings(OptimizerKind.AdamW, 1.0, 0.1);
        OptimizerChecks.ANonFiniteGradientWritesNothing(settings, bad, context => Open(context, settings, chunk: 64));
    }

    private static GraphOptimizer Open(DeviceContext context, OptimizerSettings settings, long chunk) =>
        new(context, context.Open(GradientNormGraph.Build(OptimizerChecks.Specs)), context.Open(OptimizerGraph.Build(settings)), settings,
            OptimizerChecks.Specs.Max(s => s.ElementCount), chunk);
}
