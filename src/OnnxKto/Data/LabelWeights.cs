namespace OnnxKto.Data;

/// <summary>
/// The KTO loss's label weights (<c>desirable_weight</c> λ_D, <c>undesirable_weight</c> λ_U), which the label-balance
/// advice of <see cref="LabelBalance.WeightAdvice"/> is about. The config keeps them with the loss settings.
/// </summary>
/// <param name="Desirable">λ_D, e.g. 1.0.</param>
/// <param name="Undesirable">λ_U, e.g. 1.0.</param>
public sealed record LabelWeights(double Desirable, double Undesirable);
