using OnnxKto.Cli.Terminal;

namespace OnnxKto.Tests.Cli.Terminal;

/// <summary>A logging step's console line shows each loss's own statistics and no column a loss does not log.</summary>
[TestClass]
public sealed class TrainingConsoleTests
{
    private static readonly Dictionary<string, double> Common = new()
    {
        ["step"] = 5, ["loss"] = 0.6931, ["learning_rate"] = 1e-4, ["grad_norm"] = 1.5, ["tokens_per_second"] = 812,
    };

    [TestMethod]
    public void KtoShowsItsKlAndMargins()
    {
        var line = TrainingConsole.MetricsLine(new Dictionary<string, double>(Common) { ["kl"] = 0.25, ["rewards/margins"] = 0.5 }, 10);

        Assert.AreEqual("step 5/10  loss 0.6931  kl 0.25  margins 0.5  lr 0.0001  grad_norm 1.5  812 tok/s", line);
    }

    [TestMethod]
    public void DpoShowsItsAccuracyAndNoKl()
    {
        var line = TrainingConsole.MetricsLine(new Dictionary<string, double>(Common) { ["rewards/margins"] = 0.5, ["rewards/accuracies"] = 0.75 }, 10);

        Assert.AreEqual("step 5/10  loss 0.6931  margins 0.5  accuracy 0.75  lr 0.0001  grad_norm 1.5  812 tok/s", line);
    }

    [TestMethod]
    public void SftShowsNeitherKlNorMarginsButAnUndefinedMarginAsADash()
    {
        Assert.AreEqual("step 5/10  loss 0.6931  lr 0.0001  grad_norm 1.5  812 tok/s", TrainingConsole.MetricsLine(Common, 10));
        StringAssert.Contains(TrainingConsole.MetricsLine(new Dictionary<string, double>(Common) { ["rewards/margins"] = double.NaN }, 10), "margins -");
    }
}
