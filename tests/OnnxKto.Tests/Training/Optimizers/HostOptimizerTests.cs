using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Optimizers;

/// <summary>The in-place CPU optimizer against the float64 loop written from torch.optim's documented algorithms.</summary>
[TestClass]
public sealed class HostOptimizerTests
{
    // Lengths that are not multiples of the vector width exercise the scalar tails.
    private static readonly ParameterSpec[] Specs =
    [
        new("w", [37, 5], ParameterInit.Normal, 0.02, Decay: true),
        new("b", [3], ParameterInit.Zeros, 0, Decay: false),
    ];

    [TestMethod]
    [DataRow(OptimizerKind.AdamW, 0.5, 0.1)]   // clipping active (gradient norms ≈ 10)
    [DataRow(OptimizerKind.AdamW, 0.0, 0.0)]   // no clipping, no decay
    [DataRow(OptimizerKind.Sgd, 1.0, 0.01)]
    public void SeveralStepsInPlaceMatchTorchsAlgorithms(OptimizerKind kind, double maxNorm, double weightDecay)
    {
        var settings = new OptimizerSettings(kind, 0.9, 0.999, 1e-8, weightDecay, maxNorm, Momentum: kind == OptimizerKind.Sgd ? 0.9 : 0);
        var rng = new Random(5);
        var param = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => rng.NextDouble() - 0.5).ToArray());
        var state = Specs.SelectMany(s => OptimizerGraph.StateNames(kind, s.Name).Select(n => (n, s.ElementCount)))
            .ToDictionary(p => p.n, p => new double[p.ElementCount]);
        using var context = new DeviceContext(ExecutionDevice.Cpu);
        var values = Specs.ToDictionary(s => s.Name, s => context.Upload(TensorData.FromFloats(s.Shape, param[s.Name].Select(v => (float)v).ToArray())));
        var gradients = Specs.ToDictionary(s => s.Name, s => context.Zeros(DataType.Float, s.Shape));
        var moments = state.ToDictionary(p => p.Key, p => context.Zeros(DataType.Float, [p.Value.Length]));
        var optimizer = new HostOptimizer(settings);
        var parameters = Specs.Select(s => new HostParameter(values[s.Name], gradients[s.Name],
            OptimizerGraph.StateNames(kind, s.Name).Select(n => moments[n]).ToList(), s.Decay)).ToList();
        const double lr = 0.01;

        for (int step = 1; step <= 5; step++)
        {
            var grads = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => 3 * (rng.NextDouble() - 0.5)).ToArray());
            foreach (var s in Specs)
                for (int i = 0; i < grads[s.Name].Length; i++) gradients[s.Name].HostSpan<float>()[i] = (float)grads[s.Name][i];
            double expected = TorchOptimizerReference.Step(Specs, kind, settings, lr, step, param, state, grads);

            double norm = optimizer.Step(parameters, (float)lr, step);

            Assert.AreEqual(expected, norm, 1e-5 * expected, $"grad_norm at step {step}");
            foreach (var s in Specs)
            {
                var got = values[s.Name].HostSpan<float>();
                for (int i = 0; i < got.Length; i++)
                    Assert.AreEqual(param[s.Name][i], got[i], 1e-5, $"{s.Name}[{i}] after step {step}");
            }
        }
        foreach (var t in values.Values.Concat(gradients.Values).Concat(moments.Values)) t.Dispose();
    }

    [TestMethod]
    public void ANonFiniteGradientLeavesParametersAndStateUntouched()
    {
        using var context = new DeviceContext(ExecutionDevice.Cpu);
        using var value = context.Upload(TensorData.FromFloats([3], [1, 2, 3]));
        using var gradient = context.Upload(TensorData.FromFloats([3], [0.5f, float.NaN, 0.5f]));
        using var m = context.Zeros(DataType.Float, [3]);
        using var v = context.Zeros(DataType.Float, [3]);

        double norm = new HostOptimizer(new OptimizerSettings()).Step([new HostParameter(value, gradient, [m, v], Decay: true)], 0.1f, 1);

        Assert.IsTrue(double.IsNaN(norm));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, value.HostSpan<float>().ToArray());
        CollectionAssert.AreEqual(new float[3], m.HostSpan<float>().ToArray());
        CollectionAssert.AreEqual(new float[3], v.HostSpan<float>().ToArray());
    }
}
