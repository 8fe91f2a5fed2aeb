using OnnxKto.Runtime;

namespace OnnxKto.Training.Optimizers;

/// <summary>One trainable parameter as an <see cref="IOptimizer"/> updates it: value, gradient and state, where the session holds them.</summary>
/// <param name="Name">The parameter's name; its gradient is bound as <c>&lt;name&gt;_grad</c>.</param>
/// <param name="Value">The parameter, updated in place.</param>
/// <param name="Gradient">Its accumulated gradient (read only).</param>
/// <param name="State">Its state in <see cref="OptimizerGraph.StateNames"/> order (AdamW: exp_avg, exp_avg_sq; SGD: momentum_buffer), updated in place.</param>
/// <param name="Decay">Whether weight decay applies (not to biases and norms).</param>
internal sealed record OptimizerParameter(string Name, DeviceTensor Value, DeviceTensor Gradient, IReadOnlyList<DeviceTensor> State, bool Decay);

/// <summary>
/// One optimizer update over every trainable parameter, written where the parameters and their state already are, so
/// each is held once: <see cref="HostOptimizer"/> on the CPU, <see cref="GraphOptimizer"/> on CUDA.
/// </summary>
internal interface IOptimizer : IDisposable
{
    /// <summary>
    /// Clips the gradients by their global norm and applies update <paramref name="step"/> (counted from 1); returns the
    /// norm before clipping. A non-finite norm writes nothing: parameters and state stay as they were.
    /// </summary>
    double Step(IReadOnlyList<OptimizerParameter> parameters, float learningRate, long step);
}
