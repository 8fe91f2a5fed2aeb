using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

/// <summary>The in-place CPU optimizer against the float64 loop written from torch.optim's documented algorithms.</summary>
[TestClass]
public sealed class HostOptimizerTests
{
    [TestMethod]
    [DataRow(OptimizerKind.AdamW, 0.5, 0.1)]   // clipping active (gradient norms ≈ 10)
    [DataRow(OptimizerKind.AdamW, 0.0, 0.0)]   // no clipping, no decay
    [DataRow(OptimizerKind.Sgd, 1.0, 0.01)]
    public void SeveralStepsInPlaceMatchTorchsAlgorithms(OptimizerKind kind, double maxNorm, double weightDecay)
    {
        var settings = OptimizerChecks.Settings(kind, maxNorm, weightDecay);
        OptimizerChecks.SeveralStepsMatchTorch(settings, _ => new HostOptimizer(settings));
    }

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    public void ANonFiniteGradientLeavesParametersAndStateUntouched(float bad)
    {
        var settings = OptimizerChecks.Settings(OptimizerKind.AdamW, 1.0, 0.1);
        OptimizerChecks.ANonFiniteGradientWritesNothing(settings, bad, _ => new HostOptimizer(settings));
    }
}
