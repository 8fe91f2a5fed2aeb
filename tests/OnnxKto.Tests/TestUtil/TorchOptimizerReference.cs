using OnnxKto.Models.Builders;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.TestUtil;

/// <summary>torch.optim's documented AdamW and SGD (after clip_grad_norm_) as a float64 loop: the optimizers' oracle.</summary>
internal static class TorchOptimizerReference
{
    /// <summary>One step of torch.optim.AdamW / SGD after clip_grad_norm_; returns the pre-clip norm.</summary>
    public static double Step(IReadOnlyList<ParameterSpec> specs, OptimizerKind kind, OptimizerSettings s, double lr, int t,
        Dictionary<string, double[]> param, Dictionary<string, double[]> state, Dictionary<string, double[]> grads)
    {
        double norm = Math.Sqrt(grads.Values.Sum(g => g.Sum(v => v * v)));
        double coef = s.MaxGradNorm > 0 ? Math.Min(1, s.MaxGradNorm / (norm + 1e-6)) : 1;
        foreach (var spec in specs)
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
