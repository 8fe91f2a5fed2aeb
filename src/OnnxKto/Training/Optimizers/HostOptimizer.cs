using System.Numerics;
using OnnxKto.Runtime;

namespace OnnxKto.Training.Optimizers;

/// <summary>One trainable parameter as <see cref="HostOptimizer"/> updates it: value, gradient and state, in host memory.</summary>
/// <param name="Value">The parameter, updated in place.</param>
/// <param name="Gradient">Its accumulated gradient (read only).</param>
/// <param name="State">Its state in <see cref="OptimizerGraph.StateNames"/> order (AdamW: exp_avg, exp_avg_sq; SGD: momentum_buffer), updated in place.</param>
/// <param name="Decay">Whether weight decay applies (not to biases and norms).</param>
internal sealed record HostParameter(DeviceTensor Value, DeviceTensor Gradient, IReadOnlyList<DeviceTensor> State, bool Decay);

/// <summary>
/// The update of <see cref="OptimizerGraph"/> as a loop over host memory that writes parameters and state where they
/// are, so a CPU run holds each of them once (the graph must write a second set). Same arithmetic in float32: the
/// gradients are clipped by their global norm, g ← g·min(1, max_grad_norm / (norm + 1e-6)), then torch.optim.AdamW
/// or torch.optim.SGD; a non-finite norm leaves everything untouched.
/// </summary>
internal sealed class HostOptimizer(OptimizerSettings settings)
{
    /// <summary>Applies one update (step <paramref name="step"/>, counted from 1) and returns the norm before clipping.</summary>
    public double Step(IReadOnlyList<HostParameter> parameters, float learningRate, long step)
    {
        float squares = 0;
        foreach (var p in parameters) squares += SumOfSquares(p.Gradient.HostSpan<float>());
        float norm = MathF.Sqrt(squares);
        if (!float.IsFinite(norm)) return norm;
        float clip = settings.MaxGradNorm > 0 ? MathF.Min(1, (float)settings.MaxGradNorm / (norm + 1e-6f)) : 1;
        foreach (var p in parameters)
        {
            Span<float> value = p.Value.HostSpan<float>(), gradient = p.Gradient.HostSpan<float>();
            if (settings.Kind == OptimizerKind.AdamW)
                AdamW(value, gradient, p.State[0].HostSpan<float>(), p.State[1].HostSpan<float>(), clip, learningRate, step, p.Decay);
            else
                Sgd(value, gradient, p.State[0].HostSpan<float>(), clip, learningRate, p.Decay);
        }
        return norm;
    }

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
    private void AdamW(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, float clip, float lr, long step, bool decay)
    {
        float beta1 = (float)settings.Beta1, beta2 = (float)settings.Beta2, oneMinusBeta1 = (float)(1 - settings.Beta1),
            oneMinusBeta2 = (float)(1 - settings.Beta2), eps = (float)settings.Epsilon;
        float stepSize = lr / (1 - MathF.Pow(beta1, step)), sqrtCorrection2 = MathF.Sqrt(1 - MathF.Pow(beta2, step));
        float keep = decay && settings.WeightDecay != 0 ? 1 - lr * (float)settings.WeightDecay : 1;
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
    private void Sgd(Span<float> p, ReadOnlySpan<float> grad, Span<float> buffer, float clip, float lr, bool decay)
    {
        float momentum = (float)settings.Momentum, wd = decay ? (float)settings.WeightDecay : 0;
        for (int i = 0; i < p.Length; i++)
        {
            buffer[i] = buffer[i] * momentum + (grad[i] * clip + p[i] * wd);
            p[i] -= lr * buffer[i];
        }
    }
}
