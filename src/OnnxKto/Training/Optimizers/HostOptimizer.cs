using System.Numerics;

namespace OnnxKto.Training.Optimizers;

/// <summary>
/// The update of <see cref="OptimizerGraph"/> as a loop over host memory that writes parameters and state where they
/// are, so a CPU run holds each of them once. Same arithmetic in float32 (<see cref="UpdateScalars"/>): the gradients
/// are clipped by their global norm, g ← g·min(1, max_grad_norm / (norm + 1e-6)), then torch.optim.AdamW or
/// torch.optim.SGD; a non-finite norm leaves everything untouched.
/// </summary>
internal sealed class HostOptimizer(OptimizerSettings settings) : IOptimizer
{
    /// <inheritdoc/>
    public double Step(IReadOnlyList<OptimizerParameter> parameters, float learningRate, long step)
    {
        float squares = 0;
        foreach (var p in parameters) squares += SumOfSquares(p.Gradient.HostSpan<float>());
        float norm = MathF.Sqrt(squares);
        if (!float.IsFinite(norm)) return norm;
        float clip = UpdateScalars.ClipCoefficient(settings, norm);
        foreach (var p in parameters)
        {
            Span<float> value = p.Value.HostSpan<float>(), gradient = p.Gradient.HostSpan<float>();
            var scalars = UpdateScalars.For(settings, clip, learningRate, step, p.Decay);
            if (settings.Kind == OptimizerKind.AdamW)
                AdamW(value, gradient, p.State[0].HostSpan<float>(), p.State[1].HostSpan<float>(), scalars);
            else
                Sgd(value, gradient, p.State[0].HostSpan<float>(), scalars);
        }
        return norm;
    }

    /// <summary>Nothing to release: the tensors belong to the session.</summary>
    public void Dispose() { }

    // ReduceSumSquare's float result, accumulated in double so long tensors lose nothing to the running sum.
    private static float SumOfSquares(ReadOnlySpan<float> g)
    {
        double sum = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            for (; i <= g.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(g[i..]), out var lo, out var hi);
                acc += lo * lo + hi * hi;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < g.Length; i++) sum += (double)g[i] * g[i];
        return (float)sum;
    }

    // p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε).
    private void AdamW(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, UpdateScalars s)
    {
        float beta1 = (float)settings.Beta1, beta2 = (float)settings.Beta2, oneMinusBeta1 = (float)(1 - settings.Beta1),
            oneMinusBeta2 = (float)(1 - settings.Beta2), eps = (float)settings.Epsilon;
        float clip = s.Clip, stepSize = s.StepSize, sqrtCorrection2 = s.SqrtBiasCorrection2, keep = s.DecayFactor;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(grad[i..]) * clip;
                var mi = new Vector<float>(m[i..]) * beta1 + g * oneMinusBeta1;
                var vi = new Vector<float>(v[i..]) * beta2 + g * g * oneMinusBeta2;
                var denominator = Vector.SquareRoot(vi) / sqrtCorrection2 + new Vector<float>(eps);
                (new Vector<float>(p[i..]) * keep - stepSize * (mi / denominator)).CopyTo(p[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
        for (; i < p.Length; i++)
        {
            float g = grad[i] * clip;
            m[i] = m[i] * beta1 + g * oneMinusBeta1;
            v[i] = v[i] * beta2 + g * g * oneMinusBeta2;
            p[i] = p[i] * keep - stepSize * (m[i] / (MathF.Sqrt(v[i]) / sqrtCorrection2 + eps));
        }
    }

    // g ← g + wd·p; buf ← μ·buf + g; p ← p − lr·buf.
    private void Sgd(Span<float> p, ReadOnlySpan<float> grad, Span<float> buffer, UpdateScalars s)
    {
        float momentum = (float)settings.Momentum, clip = s.Clip, lr = s.LearningRate, wd = s.WeightDecay;
        for (int i = 0; i < p.Length; i++)
        {
            buffer[i] = buffer[i] * momentum + (grad[i] * clip + p[i] * wd);
            p[i] -= lr * buffer[i];
        }
    }
}
