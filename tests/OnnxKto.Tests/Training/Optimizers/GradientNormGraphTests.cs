using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

[TestClass]
public sealed class GradientNormGraphTests
{
    private static readonly ParameterSpec[] Specs =
    [
        new("w", [3, 4], ParameterInit.Normal, 0.02, Decay: true),
        new("b", [5], ParameterInit.Zeros, 0, Decay: false),
    ];

    /// <summary>√ of every gradient element squared, summed over both tensors in float64 here; a NaN anywhere gives NaN.</summary>
    [TestMethod]
    public void TheNormIsTheRootOfEverySquaredGradientElement()
    {
        using var session = new OnnxSession(GradientNormGraph.Build(Specs));
        var rng = new Random(11);
        var grads = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray());
        double expected = Math.Sqrt(grads.Values.SelectMany(g => g).Sum(v => (double)v * v));
        Dictionary<string, TensorData> Feeds() => Specs.ToDictionary(s => GradientNames.Of(s.Name), s => TensorData.FromFloats(s.Shape, grads[s.Name]));

        Assert.AreEqual(expected, session.Run(Feeds())[GradientNormGraph.GradNorm].ToFloats()[0], 1e-6 * expected);
        grads["b"][2] = float.NaN;
        Assert.IsTrue(float.IsNaN(session.Run(Feeds())[GradientNormGraph.GradNorm].ToFloats()[0]));
    }
}
