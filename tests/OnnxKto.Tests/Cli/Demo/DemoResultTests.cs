using OnnxKto.Cli.Demo;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>Each method's run is chosen on validation accuracy alone; held-out accuracy never takes part.</summary>
[TestClass]
public sealed class DemoResultTests
{
    [TestMethod]
    public void ChosenRunHasTheBestValidationAccuracyEvenWhenAnotherIsBetterHeldOut()
    {
        var method = new DemoMethodResult("KTO", "kto.jsonl", [new(1e-4, 0.60, 0.90, "a"), new(2e-4, 0.70, 0.50, "b"), new(5e-4, 0.65, 0.95, "c")]);
        Assert.AreEqual(2e-4, method.Chosen.LearningRate);
    }

    [TestMethod]
    public void ATieGoesToTheSmallerLearningRate()
    {
        var method = new DemoMethodResult("DPO", "pairs.jsonl", [new(1e-4, 0.70, 0.40, "a"), new(2e-4, 0.70, 0.90, "b")]);
        Assert.AreEqual(1e-4, method.Chosen.LearningRate);
    }

    [TestMethod]
    public void AccuracyLineReportsEachMethodsChosenHeldOutAccuracy()
    {
        var result = new DemoResult(new DemoRun(2e-3, 0.5, 0.52, "r"),
            [new("SFT on desirable", "desirable.jsonl", [new(1e-4, 0.8, 0.81, "a"), new(2e-4, 0.7, 0.99, "b")])], [], "", TimeSpan.Zero);
        Assert.AreEqual("held-out accuracy: reference 52.0 %; SFT on desirable 81.0 %", result.AccuracyLine);
    }
}
