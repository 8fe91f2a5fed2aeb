using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Session;

/// <summary>Hand-worked sequences of PyTorch GradScaler's schedule (init 2¹⁶, ×2 after 2000 good steps, ×½ on overflow).</summary>
[TestClass]
public sealed class DynamicLossScalerTests
{
    [TestMethod]
    public void OverflowHalvesTheScaleAndRestartsTheCount()
    {
        var scaler = new DynamicLossScaler();
        Assert.AreEqual(65536, scaler.Scale);
        scaler.Update(gradientsFinite: true);
        scaler.Update(gradientsFinite: true);
        scaler.Update(gradientsFinite: false);
        Assert.AreEqual((32768.0, 0), (scaler.Scale, scaler.GoodSteps));
        scaler.Update(gradientsFinite: false);
        Assert.AreEqual((16384.0, 0), (scaler.Scale, scaler.GoodSteps), "each overflow in a row halves again");
    }

    [TestMethod]
    public void TheTwoThousandthGoodStepInARowDoublesTheScale()
    {
        var scaler = new DynamicLossScaler();
        scaler.Update(false);                                           // 32768
        for (int i = 0; i < 1999; i++) scaler.Update(true);
        Assert.AreEqual((32768.0, 1999), (scaler.Scale, scaler.GoodSteps), "1999 good steps: not yet");
        scaler.Update(true);
        Assert.AreEqual((65536.0, 0), (scaler.Scale, scaler.GoodSteps), "the 2000th doubles it and restarts the count");

        for (int i = 0; i < 1500; i++) scaler.Update(true);
        scaler.Update(false);                                           // an overflow at 1500 resets the run
        for (int i = 0; i < 1999; i++) scaler.Update(true);
        Assert.AreEqual(32768.0, scaler.Scale, "1500 + 1999 good steps around an overflow do not grow it");
        scaler.Update(true);
        Assert.AreEqual(65536.0, scaler.Scale);
    }

    [TestMethod]
    public void TheStateRoundTripsThroughCheckpointMetadata()
    {
        var scaler = new DynamicLossScaler(1024, 17);
        var metadata = scaler.ToMetadata();
        Assert.AreEqual("1024", metadata[DynamicLossScaler.ScaleKey]);
        var restored = DynamicLossScaler.FromMetadata(metadata);
        Assert.AreEqual((1024.0, 17), (restored.Scale, restored.GoodSteps));
        Assert.AreEqual(65536, DynamicLossScaler.FromMetadata(new Dictionary<string, string> { ["step"] = "0" }).Scale, "no state: a fresh scaler");
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            DynamicLossScaler.FromMetadata(new Dictionary<string, string> { [DynamicLossScaler.ScaleKey] = "-1" }));
        StringAssert.Contains(e.Message, "loss_scale");
    }
}
