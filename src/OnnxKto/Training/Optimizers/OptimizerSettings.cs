namespace OnnxKto.Training.Optimizers;

/// <summary>Optimizer hyper-parameters, named as in Hugging Face TrainingArguments.</summary>
/// <param name="Kind">adamw (torch.optim.AdamW semantics) or sgd.</param>
/// <param name="Beta1">adam_beta1, default 0.9.</param>
/// <param name="Beta2">adam_beta2, default 0.999.</param>
/// <param name="Epsilon">adam_epsilon, default 1e-8.</param>
/// <param name="WeightDecay">weight_decay, default 0 (applied only to parameters whose spec allows decay).</param>
/// <param name="MaxGradNorm">max_grad_norm, default 1; 0 or less disables clipping.</param>
/// <param name="Momentum">SGD momentum (from optim_args "momentum=0.9"), default 0.</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.AdamW,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0,
    double MaxGradNorm = 1,
    double Momentum = 0);

public enum OptimizerKind
{
    AdamW,
    Sgd,
}
