using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Training.Losses;

namespace OnnxKto.Tests.Training.Losses;

/// <summary>The loss graph against values worked by hand from TRL's formula (β = 0.1, λ = 1 unless stated).</summary>
[TestClass]
public sealed class KtoLossTests
{
    private static readonly double[] Policy = [-10, -12, -8, -15], Reference = [-11, -11.5, -9, -14];
    private static readonly bool[] Labels = [true, false, true, false];
    private static readonly double[] KlPolicy = [-20, -18, -22, -19], KlReference = [-20.5, -18.2, -22.4, -19.1];

    [TestMethod]
    public void KtoWithPositiveKl()
    {
        var r = Run(LossType.Kto, Policy, Reference, Labels, KlPolicy, KlReference);
        Assert.AreEqual(0.3, r["kl"][0], 1e-12);
        Assert.AreEqual(0.4781426595, r["loss"][0], 1e-10);
    }

    /// <summary>kl_estimate step/running feed z0 (here the 0.3 the pairs above give): the same loss, and z0 still carries no gradient.</summary>
    [TestMethod]
    public void KtoWithZ0FedAsInput()
    {
        var r = Run(LossType.Kto, Policy, Reference, Labels, null, null, z0: 0.3, wrtAll: true);
        Assert.AreEqual(0.3, r["kl"][0], 1e-12);
        Assert.AreEqual(0.4781426595, r["loss"][0], 1e-10);
        CollectionAssert.AreEqual(new double[] { 0 }, r["z0_grad"]);
    }

    [TestMethod]
    public void KtoClampsNegativeKlToZero()
    {
        var r = Run(LossType.Kto, Policy, Reference, Labels, KlReference, KlPolicy);
        Assert.AreEqual(0, r["kl"][0]);
        Assert.AreEqual(0.4781412603, r["loss"][0], 1e-10);
    }

    [TestMethod]
    public void ApoZeroUnpaired() =>
        Assert.AreEqual(0.4781412603, Run(LossType.ApoZeroUnpaired, Policy, Reference, Labels, null, null)["loss"][0], 1e-10);

    [TestMethod]
    public void AllDesirableBatchIsValid()
    {
        var r = Run(LossType.Kto, [-5, -6, -7], [-5.5, -6, -6], [true, true, true], [-9, -9, -9], [-9.3, -9.1, -8.8]);
        Assert.AreEqual(0.0666666667, r["kl"][0], 1e-10);
        Assert.AreEqual(0.5058254778, r["loss"][0], 1e-10);
    }

    [TestMethod]
    public void LossIsMeanOverExamplesNotOverWeights()
    {
        // Doubling λ_D doubles the desirable terms; the divisor stays n = 4.
        var plain = Run(LossType.ApoZeroUnpaired, Policy, Reference, Labels, null, null)["per"];
        var weighted = Run(LossType.ApoZeroUnpaired, Policy, Reference, Labels, null, null, desirableWeight: 2)["loss"][0];
        Assert.AreEqual((2 * plain[0] + plain[1] + 2 * plain[2] + plain[3]) / 4, weighted, 1e-12);
    }

    [TestMethod]
    public void GradientWithRespectToPolicyLogps()
    {
        var grad = Run(LossType.Kto, Policy, Reference, Labels, KlPolicy, KlReference)["policy_grad"];
        double[] expected = [-0.0062423500, 0.0062400107, -0.0062423500, 0.0062236679];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], grad[i], 1e-10, $"example {i}");
    }

    /// <summary>
    /// TRL detaches z0 and never trains the reference: differentiated with respect to every log-prob and given no stop
    /// values, the loss still passes gradient to the policy log-probs alone.
    /// </summary>
    [TestMethod]
    public void OnlyThePolicyLogpsCarryGradient()
    {
        var r = Run(LossType.Kto, Policy, Reference, Labels, KlPolicy, KlReference, wrtAll: true);
        Assert.AreEqual(0.3, r["kl"][0], 1e-12, "z0 is positive, so without the detach it would pass gradient");
        foreach (var name in new[] { "reference_grad", "kl_policy_grad", "kl_reference_grad" })
            CollectionAssert.AreEqual(new double[4], r[name], name);
        double[] expected = [-0.0062423500, 0.0062400107, -0.0062423500, 0.0062236679];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], r["policy_grad"][i], 1e-10, $"example {i}");
    }

    [TestMethod]
    public void RewardsAreBetaTimesLogRatio()
    {
        var rewards = Run(LossType.Kto, Policy, Reference, Labels, KlPolicy, KlReference)["rewards"];
        CollectionAssert.AreEqual(new[] { 0.1, -0.05, 0.1, -0.1 }, rewards.Select(v => Math.Round(v, 12)).ToArray());
    }

    private static Dictionary<string, double[]> Run(LossType type, double[] policy, double[] reference, bool[] labels,
        double[]? klPolicy, double[]? klReference, double desirableWeight = 1, bool wrtAll = false, double? z0 = null)
    {
        int n = policy.Length;
        var g = new Graph("loss");
        var b = new GraphBuilder(g);
        Value In(string name) => g.AddInput(name, DataType.Double, new Shape(n));
        var p = In("policy");
        var r = In("reference");
        var kp = klPolicy is null ? null : In("kl_policy");
        var kr = klReference is null ? null : In("kl_reference");
        var label = g.AddInput("label", DataType.Bool, new Shape(n));
        var z0Input = z0 is null ? null : g.AddInput("z0", DataType.Double, Shape.Scalar);
        var outputs = KtoLoss.Build(b, new LossSettings(type, 0.1, desirableWeight, 1), p, r, kp, kr, label, z0Input);
        var loss = b.Output(outputs.Loss, "loss");
        b.Output(outputs.Kl, "kl");
        b.Output(outputs.Rewards, "rewards");
        var perExample = g.Values.Values.Single(v => v.Producer?.OpType == "Where" && v.Name.Contains("kto_loss"));
        g.AddOutput(perExample);
        var wrt = wrtAll ? g.Inputs.Where(i => i.Type == DataType.Double).ToArray() : [p];
        var backward = ReverseModeAutodiff.Gradients(g, loss, wrt);

        var feeds = new Dictionary<string, TensorData>
        {
            ["policy"] = TensorData.FromDoubles([n], policy), ["reference"] = TensorData.FromDoubles([n], reference),
            ["label"] = TensorData.FromBools([n], labels),
        };
        if (klPolicy is not null) feeds["kl_policy"] = TensorData.FromDoubles([n], klPolicy);
        if (klReference is not null) feeds["kl_reference"] = TensorData.FromDoubles([n], klReference);
        if (z0 is { } z) feeds["z0"] = TensorData.FromDoubles([], [z]);
        using var session = new OnnxSession(backward, optimize: false);
        var result = session.Run(feeds);
        var values = new Dictionary<string, double[]>
        {
            ["loss"] = result["loss"].ToDoubles(), ["kl"] = result["kl"].ToDoubles(), ["rewards"] = result["rewards"].ToDoubles(),
            ["per"] = result[perExample.Name].ToDoubles(),
        };
        foreach (var w in wrt) values[GradientNames.Of(w.Name)] = result[GradientNames.Of(w.Name)].ToDoubles();
        return values;
    }
}
