namespace OnnxKto.Training.Losses;

/// <summary>The loss hyper-parameters, as in TRL's KTOConfig.</summary>
/// <param name="LossType">kto, apo_zero_unpaired or sft.</param>
/// <param name="Beta">β, the KL penalty strength; TRL default 0.1.</param>
/// <param name="DesirableWeight">λ_D; default 1.</param>
/// <param name="UndesirableWeight">λ_U; default 1.</param>
public sealed record LossSettings(LossType LossType, double Beta = 0.1, double DesirableWeight = 1, double UndesirableWeight = 1);
