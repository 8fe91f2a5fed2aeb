using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// What every <see cref="IOptimizer"/> must do, checked on tensors of a CPU <see cref="DeviceContext"/> (the optimizer is
/// opened on it by the caller's function): several updates equal
/// <see cref="TorchOptimizerReference"/>'s, and a non-finite gradient writes nothing.
/// </summary>
internal static class OptimizerChecks
{
    /// <summary>
    /// Lengths that are not multiples of the vector width exercise HostOptimizer's scalar tails; with 64-element chunks
    /// w spans three chunks (the last one short), e exactly two, b is shorter than one. b takes no weight decay.
    /// </summary>
    public static readonly ParameterSpec[] Specs =
    [
        new("w", [37, 5], ParameterInit.Normal, 0.02, Decay: true),
        new("e", [16, 8], ParameterInit.Normal, 0.02, Decay: true),
        new("b", [3], ParameterInit.Zeros, 0, Decay: false),
    ];

    /// <summary>Settings with the test's clipping and decay, torch's betas and epsilon, and SGD momentum 0.9.</summary>
    public static OptimizerSettings Settings(OptimizerKind kind, double maxNorm, double weightDecay) =>
        new(kind, 0.9, 0.999, 1e-8, weightDecay, maxNorm, Momentum: kind == OptimizerKind.Sgd ? 0.9 : 0);

    /// <summary>Five updates with gradients of norm ≈ 10: the norm, every parameter and every state value follow the reference.</summary>
    public static void SeveralStepsMatchTorch(OptimizerSettings settings, Func<DeviceContext, IOptimizer> open)
    {
        using var context = new DeviceContext(ExecutionDevice.Cpu);
        using var optimizer = open(context);
        var rng = new Random(5);
        var param = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => rng.NextDouble() - 0.5).ToArray());
        var state = Specs.SelectMany(s => OptimizerGraph.StateNames(settings.Kind, s.Name).Select(n => (n, s.ElementCount)))
            .ToDictionary(p => p.n, p => new double[p.ElementCount]);
        using var tensors = new Tensors(context, settings.Kind, param);
        const double lr = 0.01;

        for (int step = 1; step <= 5; step++)
        {
            var grads = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => 3 * (rng.NextDouble() - 0.5)).ToArray());
            foreach (var s in Specs) tensors.SetGradient(s.Name, grads[s.Name].Select(v => (float)v).ToArray());
            double expected = TorchOptimizerReference.Step(Specs, settings.Kind, settings, lr, step, param, state, grads);

            double norm = optimizer.Step(tensors.Parameters, (float)lr, step);

            Assert.AreEqual(expected, norm, 1e-5 * expected, $"grad_norm at step {step}");
            foreach (var (name, want) in param.Concat(state))
            {
                var got = tensors.Values[name].HostSpan<float>();
                for (int i = 0; i < got.Length; i++)
                    Assert.AreEqual(want[i], got[i], 1e-5 * (1 + Math.Abs(want[i])), $"{name}[{i}] after step {step}");
            }
        }
    }

    /// <summary>
    /// After one finite update (so the moments are not zero), a gradient with <paramref name="bad"/> in its last
    /// parameter's last element returns a non-finite norm and leaves every parameter and state value bit for bit as it was.
    /// </summary>
    public static void ANonFiniteGradientWritesNothing(OptimizerSettings settings, float bad, Func<DeviceContext, IOptimizer> open)
    {
        using var context = new DeviceContext(ExecutionDevice.Cpu);
        using var optimizer = open(context);
        var rng = new Random(7);
        var param = Specs.ToDictionary(s => s.Name, s => Enumerable.Range(0, (int)s.ElementCount).Select(_ => rng.NextDouble() - 0.5).ToArray());
        using var tensors = new Tensors(context, settings.Kind, param);
        float[] Gradient(ParameterSpec s) => Enumerable.Range(0, (int)s.ElementCount).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        foreach (var s in Specs) tensors.SetGradient(s.Name, Gradient(s));
        Assert.IsTrue(double.IsFinite(optimizer.Step(tensors.Parameters, 0.1f, 1)));
        var before = tensors.Values.ToDictionary(v => v.Key, v => v.Value.HostSpan<float>().ToArray());
        foreach (var s in Specs)
        {
            var g = Gradient(s);
            if (s == Specs[^1]) g[^1] = bad;
            tensors.SetGradient(s.Name, g);
        }

        double norm = optimizer.Step(tensors.Parameters, 0.1f, 2);

        Assert.IsFalse(double.IsFinite(norm), $"norm {norm}");
        foreach (var (name, values) in before)
            CollectionAssert.AreEqual(values, tensors.Values[name].HostSpan<float>().ToArray(), $"{name} changed");
    }

    /// <summary>Host tensors of <see cref="Specs"/>: parameters from the given values, zero state, gradients set per step.</summary>
    private sealed class Tensors : IDisposable
    {
        private readonly Dictionary<string, DeviceTensor> _gradients;

        public Tensors(DeviceContext context, OptimizerKind kind, Dictionary<string, double[]> param)
        {
            Values = Specs.ToDictionary(s => s.Name, s => context.Upload(TensorData.FromFloats(s.Shape, param[s.Name].Select(v => (float)v).ToArray())));
            foreach (var s in Specs)
                foreach (var n in OptimizerGraph.StateNames(kind, s.Name)) Values[n] = context.Zeros(DataType.Float, s.Shape);
            _gradients = Specs.ToDictionary(s => s.Name, s => context.Zeros(DataType.Float, s.Shape));
            Parameters = Specs.Select(s => new OptimizerParameter(s.Name, Values[s.Name], _gradients[s.Name],
                OptimizerGraph.StateNames(kind, s.Name).Select(n => Values[n]).ToList(), s.Decay)).ToList();
        }

        /// <summary>Parameters and state by name.</summary>
        public Dictionary<string, DeviceTensor> Values { get; }

        public IReadOnlyList<OptimizerParameter> Parameters { get; }

        public void SetGradient(string name, float[] values) => values.CopyTo(_gradients[name].HostSpan<float>());

        public void Dispose()
        {
            foreach (var t in Values.Values.Concat(_gradients.Values)) t.Dispose();
        }
    }
}
