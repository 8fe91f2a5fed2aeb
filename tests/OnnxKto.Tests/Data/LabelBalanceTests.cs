using OnnxKto.Data;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class LabelBalanceTests
{
    [TestMethod]
    [DataRow(3, 3, 1.0, 1.0)]       // ratio 1: lower edge
    [DataRow(4, 3, 1.0, 1.0)]       // ratio 4/3: upper edge
    [DataRow(100, 1000, 10.0, 1.0)] // 1:10 data, λ_D = 10 → ratio 1
    [DataRow(100, 1000, 13.3, 1.0)] // ratio 1.33
    [DataRow(1000, 100, 1.0, 8.0)]  // ratio 1.25
    public void NoAdviceInsideOneToFourThirds(int desirable, int undesirable, double wD, double wU) =>
        Assert.IsNull(new LabelBalance(desirable, undesirable).WeightAdvice(wD, wU));

    [TestMethod]
    [DataRow(3, 4, 1.0, 1.0, "[1.33, 1.77]", "[0.56, 0.75]")]        // ratio 0.75
    [DataRow(100, 1000, 1.0, 1.0, "[10.0, 13.3]", "[0.08, 0.1]")]    // ratio 0.1
    [DataRow(134, 100, 1.0, 1.0, "[0.75, 0.99]", "[1.01, 1.34]")]    // ratio 1.34
    [DataRow(10, 10, 2.0, 1.0, "[1.0, 1.33]", "[1.5, 2.0]")]         // balanced data, unbalanced weights
    [DataRow(2, 1, 1.0, 1.0, "[0.5, 0.67]", "[1.5, 2.0]")]           // 0.5·1.33 = 0.66500000000000003 rounds up, as in Python
    public void AdviceOutsideGivesTrlsRanges(int desirable, int undesirable, double wD, double wU, string desirableRange, string undesirableRange)
    {
        var advice = new LabelBalance(desirable, undesirable).WeightAdvice(wD, wU);

        Assert.IsNotNull(advice);
        StringAssert.Contains(advice, $"we recommend EITHER desirable_weight in {desirableRange} or undesirable_weight in {undesirableRange} (but NOT BOTH)");
    }

    /// <summary>auto lands at ratio 1 (the low end of [1, 4/3]) and keeps the other weight as given.</summary>
    [TestMethod]
    public void AutoWeightsBalanceTheCounts()
    {
        var balance = new LabelBalance(100, 1000);
        Assert.AreEqual(new LabelWeights(10, 1), balance.Balanced(null, 1));
        Assert.AreEqual(new LabelWeights(20, 2), balance.Balanced(null, 2));
        Assert.AreEqual(new LabelWeights(1, 0.1), balance.Balanced(1, null));
        Assert.AreEqual(new LabelWeights(3, 4), balance.Balanced(3, 4), "given weights stay");
        Assert.AreEqual(1, balance.WeightedRatio(10, 1), 1e-12);
        Assert.IsNull(balance.WeightAdvice(10, 1), "auto weights need no advice");
        StringAssert.Contains(Assert.ThrowsExactly<UserError>(() => balance.Balanced(null, null)).Message, "both 'auto'");
    }

    [TestMethod]
    public void CountsLabelsAndTreatsAMissingKindAsOne()
    {
        var balance = LabelBalance.Count([true, true, true]);

        Assert.AreEqual(new LabelBalance(3, 0), balance);
        Assert.AreEqual(3.0, balance.WeightedRatio(1, 1));
        StringAssert.Contains(balance.WeightAdvice(1, 1), "undesirable_weight in [2.26, 3.0]");
    }
}
