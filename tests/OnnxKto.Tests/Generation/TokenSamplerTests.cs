using OnnxKto.Generation;

namespace OnnxKto.Tests.Generation;

[TestClass]
public sealed class TokenSamplerTests
{
    // softmax(ln [0.5, 0.3, 0.2]) = [0.5, 0.3, 0.2]
    private static readonly float[] Logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];

    [TestMethod]
    [DataRow(1.0, new[] { 0.5, 0.3, 0.2 })]
    [DataRow(0.6, new[] { 0.625, 0.375, 0.0 })]   // the nucleus {0, 1} (mass 0.8 ≥ 0.6), renormalised
    [DataRow(0.4, new[] { 1.0, 0.0, 0.0 })]
    public void FrequenciesFollowTheNucleusDistribution(double topP, double[] expected)
    {
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 1, TopP = topP, Seed = 1 });
        const int draws = 40000;
        var counts = new int[3];
        for (int i = 0; i < draws; i++) counts[sampler.Next(Logits)]++;
        for (int t = 0; t < 3; t++)
            Assert.AreEqual(expected[t], counts[t] / (double)draws, 0.01, $"token {t}");
    }

    [TestMethod]
    public void TemperatureSharpensTheDistribution()
    {
        // T = 0.5 squares the probabilities: [0.25, 0.09, 0.04] / 0.38.
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 0.5, Seed = 2 });
        const int draws = 40000;
        int first = Enumerable.Range(0, draws).Count(_ => sampler.Next(Logits) == 0);
        Assert.AreEqual(0.25 / 0.38, first / (double)draws, 0.01);
    }

    [TestMethod]
    public void ZeroTemperatureIsArgMax() =>
        Assert.AreEqual(2, new TokenSampler(new GenerationOptions()).Next([0.1f, -3f, 2.5f, 2.4f]));

    [TestMethod]
    [DataRow(0, 1.0, 1.0, "max_new_tokens")]
    [DataRow(5, -1.0, 1.0, "temperature")]
    [DataRow(5, 1.0, 0.0, "top_p")]
    public void OptionsOutOfRangeAreRefused(int maxNew, double temperature, double topP, string key)
    {
        var e = Assert.ThrowsExactly<UserError>(() => new GenerationOptions { MaxNewTokens = maxNew, Temperature = temperature, TopP = topP }.Validate());
        StringAssert.Contains(e.Message, key);
    }
}
