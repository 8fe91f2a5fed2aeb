namespace OnnxKto.Training.Optimizers;

/// <summary>Optimizer hyper-parameters, named as in Hugging Face TrainingArguments; baked into the optimizer graph.</summary>
/// <param name="Kind"><c>optim</c>: adamw (torch.optim.AdamW semantics; the default) or sgd.</param>
/// <param name="Beta1"><c>adam_beta1</c>, default 0.9.</param>
/// <param name="Beta2"><c>adam_beta2</c>, default 0.999.</param>
/// <param name="Epsilon"><c>adam_epsilon</c>, default 1e-8.</param>
/// <param name="WeightDecay"><c>weight_decay</c>, default 0 (applied only to parameters whose spec allows decay).</param>
/// <param name="MaxGradNorm"><c>max_grad_norm</c>, default 1; 0 or less disables clipping.</param>
/// <param name="Momentum">SGD momentum (from <c>optim_args</c> "momentum=0.9"), default 0.</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.AdamW,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0,
    double MaxGradNorm = 1,
    double Momentum = 0);

/// <summary>The optimizers, by their config names (<c>optim</c>).</summary>
public enum OptimizerKind
{
    /// <summary><c>adamw_torch</c> (also accepted: adamw_torch_fused, adamw_hf): torch.optim.AdamW.</summary>
    AdamW,

    /// <summary><c>sgd</c>: torch.optim.SGD, with momentum from optim_args.</summary>
    Sgd,
}

/// <summary>Config names of <see cref="OptimizerKind"/> values.</summary>
internal static class OptimizerKindNames
{
    /// <summary>The <c>optim</c> spelling written for a kind, e.g. <c>adamw_torch</c>.</summary>
    public static string ToConfigName(this OptimizerKind kind) => kind switch
    {
        OptimizerKind.AdamW => "adamw_torch",
        OptimizerKind.Sgd => "sgd",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Other <c>optim</c> names Hugging Face accepts for the same optimizers.</summary>
    public static IReadOnlyList<(string Name, OptimizerKind Kind)> Aliases { get; } =
        [("adamw_torch_fused", OptimizerKind.AdamW), ("adamw_hf", OptimizerKind.AdamW)];
}
