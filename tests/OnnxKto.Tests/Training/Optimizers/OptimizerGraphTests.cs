using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

/// <summary>The optimizer graph against a plain C# loop written from torch.optim's documented algorithms.</summary>
[TestClass]
public sealed class OptimizerGraphTests
{
    private static readonly ParameterSpec[] Specs =
    [
        new("w", [3, 2], ParameterInit.Normal, 0.02, Decay: true),
        new("b", [2], ParameterInit.Zeros, 0, Decay: false),
    ];

    [TestMethod]
    [DataRow(OptimizerKind.AdamW, 0.5, 0.1)]   // clipping active (gradients have norm ≈ 2–4)
    [DataRow(OptimizerKind.AdamW, 0.0, 0.0)]   // no clipping, no decay
    [DataRow(OptimizerKind.Sgd, 1.0, 0.01)]
    public void SeveralStepsMatchReferenceLoop(OptimizerKind kind, double maxNorm, double weightDecay)
    {
        var settings = new OptimizerSettings(kind, 0.9, 0.999, 1e-8, weightDecay, maxNorm, Momentum: kind == OptimizerKind.Sgd ? 0.9 : 0);
        using var session = new OnnxSession(OptimizerGraph.Build(Specs, settings));
        var rng = new Random(3);
        var param = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => rng.NextDouble() - 0.5).ToArray());
        var state = Specs.SelectMany(s => OptimizerGraph.StateNames(kind, s.Name).Select(n => (n, s.ElementCount)))
            .ToDictionary(p => p.n, p => new double[p.ElementCount]);
        var graphParam = param.ToDictionary(p => p.Key, p => p.Value.Select(v => (float)v).ToArray());
        var graphState = state.ToDictionary(p => p.Key, p => new float[p.Value.Length]);
        const double lr = 0.01;

        for (int step = 1; step <= 5; step++)
        {
            var grads = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => 3 * (rng.NextDouble() - 0.5)).ToArray());
            double norm = TorchOptimizerReference.Step(Specs, kind, settings, lr, step, param, state, grads);

            var feeds = new Dictionary<string, TensorData>
            {
                [OptimizerGraph.LearningRate] = TensorData.FromFloats([], [(float)lr]),
                [OptimizerGraph.Step] = TensorData.FromFloats([], [step]),
            };
            foreach (var s in Specs)
            {
                feeds[s.Name] = TensorData.FromFloats(s.Shape, graphParam[s.Name]);
                feeds[GradientNames.Of(s.Name)] = TensorData.FromFloats(s.Shape, grads[s.Name].Select(v => (float)v).ToArray());
                foreach (var n in OptimizerGraph.StateNames(kind, s.Name)) feeds[n] = TensorData.FromFloats(s.Shape, graphState[n]);
            }
            var result = session.Run(feeds);
            Assert.AreEqual(norm, result[OptimizerGraph.GradNorm].ToFloats()[0], 1e-5 * norm, $"grad_norm at step {step}");
            foreach (var s in Specs)
            {
                graphParam[s.Name] = result[OptimizerGraph.Updated(s.Name)].ToFloats();
                foreach (var n in OptimizerGraph.StateNames(kind, s.Name)) graphState[n] = result[OptimizerGraph.Updated(n)].ToFloats();
                for (int i = 0; i < graphParam[s.Name].Length; i++)
                    Assert.AreEqual(param[s.Name][i], graphParam[s.Name][i], 1e-5, $"{s.Name}[{i}] after step {step}");
            }
        }
    }
}
