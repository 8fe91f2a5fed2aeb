namespace OnnxKto.Training.Optimizers;

/// <summary>
/// The scalars one parameter's update reads, worked out on the host in float32 from the learning rate, the update
/// count and the clip coefficient. <see cref="OptimizerGraph"/> takes them as inputs and <see cref="HostOptimizer"/>
/// uses the same values, so the two optimizers share this arithmetic.
/// </summary>
/// <param name="Clip">The gradients' factor, min(1, max_grad_norm / (norm + 1e-6)), or 1 without clipping.</param>
/// <param name="LearningRate">lr (SGD).</param>
/// <param name="StepSize">AdamW's lr / (1 − β1ᵗ).</param>
/// <param name="SqrtBiasCorrection2">AdamW's √(1 − β2ᵗ).</param>
/// <param name="DecayFactor">AdamW's decoupled decay, 1 − lr·wd; 1 for a parameter without decay.</param>
/// <param name="WeightDecay">SGD's wd added to the gradient as wd·p; 0 for a parameter without decay.</param>
internal sealed record UpdateScalars(float Clip, float LearningRate, float StepSize, float SqrtBiasCorrection2, float DecayFactor, float WeightDecay)
{
    /// <summary>The clip coefficient for the global gradient norm <paramref name="norm"/>: g ← g·min(1, max_grad_norm / (norm + 1e-6)).</summary>
    public static float ClipCoefficient(OptimizerSettings settings, float norm) =>
        settings.MaxGradNorm > 0 ? MathF.Min(1, (float)settings.MaxGradNorm / (norm + 1e-6f)) : 1;

    /// <summary>The scalars of update <paramref name="step"/> (counted from 1) for a parameter that does or does not <paramref name="decay"/>.</summary>
    public static UpdateScalars For(OptimizerSettings settings, float clip, float learningRate, long step, bool decay)
    {
        float weightDecay = decay ? (float)settings.WeightDecay : 0;
        return new UpdateScalars(clip, learningRate,
            StepSize: learningRate / (1 - MathF.Pow((float)settings.Beta1, step)),
            SqrtBiasCorrection2: MathF.Sqrt(1 - MathF.Pow((float)settings.Beta2, step)),
            DecayFactor: 1 - learningRate * weightDecay,
            WeightDecay: weightDecay);
    }
}
