using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
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
            double norm = ReferenceStep(kind, settings, lr, step, param, state, grads);

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

    /// <summary>One step of torch.optim.AdamW / SGD after clip_grad_norm_; returns the pre-clip norm.</summary>
    private static double ReferenceStep(OptimizerKind kind, OptimizerSettings s, double lr, int t,
        Dictionary<string, double[]> param, Dictionary<string, double[]> state, Dictionary<string, double[]> grads)
    {
        double norm = Math.Sqrt(grads.Values.Sum(g => g.Sum(v => v * v)));
        double coef = s.MaxGradNorm > 0 ? Math.Min(1, s.MaxGradNorm / (norm + 1e-6)) : 1;
        foreach (var spec in Specs)
        {
            var p = param[spec.Name];
            var g = grads[spec.Name].Select(v => v * coef).ToArray();
            double wd = spec.Decay ? s.WeightDecay : 0;
            if (kind == OptimizerKind.AdamW)
            {
                var (m, v) = (state[spec.Name + ".exp_avg"], state[spec.Name + ".exp_avg_sq"]);
                for (int i = 0; i < p.Length; i++)
                {
                    p[i] *= 1 - lr * wd;
                    m[i] = s.Beta1 * m[i] + (1 - s.Beta1) * g[i];
                    v[i] = s.Beta2 * v[i] + (1 - s.Beta2) * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.Pow(s.Beta1, t)), vHat = v[i] / (1 - Math.Pow(s.Beta2, t));
                    p[i] -= lr * mHat / (Math.Sqrt(vHat) + s.Epsilon);
                }
            }
            else
            {
                var buf = state[spec.Name + ".momentum_buffer"];
                for (int i = 0; i < p.Length; i++)
                {
                    double d = g[i] + wd * p[i];
                    buf[i] = t == 1 ? d : s.Momentum * buf[i] + d;
                    p[i] -= lr * buf[i];
                }
            }
        }
        return norm;
    }
}
