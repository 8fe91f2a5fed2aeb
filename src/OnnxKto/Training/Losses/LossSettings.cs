using OnnxKto.Data;

namespace OnnxKto.Training.Losses;

/// <summary>The loss hyper-parameters, as in TRL's KTOConfig; baked into the training graphs.</summary>
/// <param name="LossType"><c>loss_type</c>: kto (default), apo_zero_unpaired, sft, dpo or bco.</param>
/// <param name="Beta"><c>beta</c>: β, the KL penalty strength; TRL default 0.1.</param>
/// <param name="DesirableWeight"><c>desirable_weight</c>: λ_D; default 1; null for <c>auto</c> (from the label counts, see <see cref="LabelBalance.Balanced"/>).</param>
/// <param name="UndesirableWeight"><c>undesirable_weight</c>: λ_U; default 1; null for <c>auto</c>.</param>
/// <param name="KlEstimate"><c>kl_estimate</c> (ours): how kto estimates z0; default batch (TRL's).</param>
/// <param name="KlEma"><c>kl_ema</c> (ours): decay of the running z0 average for <see cref="KlEstimate.Running"/>; default 0.9.</param>
/// <param name="LabelSmoothing"><c>label_smoothing</c> (TRL's DPOConfig): ε of conservative DPO, for loss_type dpo; default 0.</param>
public sealed record LossSettings(
    LossType LossType = LossType.Kto,
    double Beta = 0.1,
    double? DesirableWeight = 1,
    double? UndesirableWeight = 1,
    KlEstimate KlEstimate = KlEstimate.Batch,
    double KlEma = 0.9,
    double LabelSmoothing = 0)
{
    /// <summary>Whether z0 is estimated outside the training graph, over an update's window, and fed to it (kto with step or running).</summary>
    public bool KlFromWindow => TrainingLoss.For(this).KlPass == KlPass.Window;

    /// <summary>Rows of a micro-batch of <paramref name="batchSize"/> examples: a paired loss's examples are pairs, two rows each.</summary>
    public int RowsPerMicroBatch(int batchSize) => TrainingLoss.For(this).RowsPerMicroBatch(batchSize);

    /// <summary>Whether a label weight is <c>auto</c>: then the training graphs take λ_D and λ_U as inputs, set from the data.</summary>
    public bool AutoWeights => DesirableWeight is null || UndesirableWeight is null;

    /// <summary>λ_D and λ_U for data with <paramref name="labels"/>, auto resolved (<see cref="LabelBalance.Balanced"/>).</summary>
    /// <exception cref="UserError">Both weights are auto.</exception>
    public LabelWeights WeightsFor(LabelBalance labels) => labels.Balanced(DesirableWeight, UndesirableWeight);
}
