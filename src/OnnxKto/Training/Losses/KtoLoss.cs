using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Training.Loop;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Losses;

/// <summary>The KTO loss's graph outputs.</summary>
/// <param name="Loss">Scalar: mean over all n examples of the weighted per-example losses.</param>
/// <param name="Rewards">β·(log πθ − log πref) per example, for the rewards/* metrics (carries no gradient use).</param>
/// <param name="Kl">The KL reference point z0 (0 for apo_zero_unpaired).</param>
internal sealed record KtoLossOutputs(Value Loss, Value Rewards, Value Kl);

/// <summary>
/// Kahneman-Tversky Optimization's loss exactly as Hugging Face TRL computes it (Ethayarajh et al., 2024):
/// r = log πθ(y|x) − log πref(y|x);
/// kto: desirable λ_D·(1 − σ(β(r − z0))), undesirable λ_U·(1 − σ(β(z0 − r))), z0 = max(0, mean(KL policy − KL reference));
/// apo_zero_unpaired: desirable λ_D·(1 − σ(βr)), undesirable λ_U·σ(βr).
/// The batch loss divides by n, not by Σλ. The loss detaches what carries no gradient, as TRL does: z0
/// (<c>kl.detach()</c>; TRL computes the KL pass under <c>torch.no_grad()</c>) and the reference log-probs (πref is
/// frozen), so the caller differentiates the loss with respect to the parameters and needs no stop values.
/// With <c>kl_estimate</c> step or running, z0 comes in as a graph input (estimated outside the graph, over the update's
/// window) instead of from the micro-batch's KL pairs; it is detached all the same.
/// Constants take the element type of the inputs, so the same graph runs in float32 or float64.
/// </summary>
internal sealed class KtoLoss(LossSettings settings) : TrainingLoss(settings)
{
    public override bool NeedsReference => true;

    public override KlPass KlPass => Settings.LossType == LossType.ApoZeroUnpaired ? KlPass.None
        : Settings.KlEstimate == KlEstimate.Batch ? KlPass.MicroBatch : KlPass.Window;

    public override bool WeighsLabels => true;

    public override LoggedMetrics Metrics => LoggedMetrics.Kl | LoggedMetrics.Rewards | LoggedMetrics.Counts;

    /// <summary>kl_estimate step or running: the window's z0 (<see cref="Loop.KlReferencePoint"/>).</summary>
    public override ILossState? CreateState(IReadOnlyList<TokenizedExample> data, int padId, int? maxLength) =>
        KlPass == KlPass.Window ? new KlReferencePoint(Settings, data, padId, maxLength) : null;

    public override Value AddTo(LossGraph graph)
    {
        var label = graph.Labels();
        var reference = graph.PerRow(ReferenceLogps);
        var weights = graph.LabelWeights(Settings);
        Value? policyKl = null, referenceKl = null, klInput = null;
        if (KlPass == KlPass.Window) klInput = graph.Scalar(Artifacts.ArtifactNames.KlReferencePoint);
        else if (KlPass == KlPass.MicroBatch)
        {
            // The mismatched pairs: same parameters; the loss detaches what it computes from them.
            policyKl = graph.PolicyKlLogps();
            graph.Output(policyKl, PolicyKlLogps);
            referenceKl = graph.PerRow(ReferenceKlLogps);
        }
        var outputs = Build(graph.B, Settings, graph.Policy.SequenceLogps, reference, policyKl, referenceKl, label, klInput, weights);
        graph.Output(outputs.Rewards, Rewards);
        graph.Output(outputs.Kl, Kl);
        return outputs.Loss;
    }

    /// <param name="b">Builder of the training graph.</param>
    /// <param name="settings">β, λ_D, λ_U and the loss type (<see cref="LossType.Kto"/> or <see cref="LossType.ApoZeroUnpaired"/>).</param>
    /// <param name="policy">Policy sequence log-probs (batch).</param>
    /// <param name="reference">Reference sequence log-probs (batch).</param>
    /// <param name="policyKl">Policy log-probs of the mismatched (KL) pairs (batch); required for kto.</param>
    /// <param name="referenceKl">Reference log-probs of the KL pairs (batch); required for kto.</param>
    /// <param name="label">bool (batch): true for desirable completions.</param>
    /// <param name="klInput">Scalar z0 fed to the graph (kl_estimate step or running); when given, the KL log-probs are not used.</param>
    /// <param name="weights">λ_D and λ_U as scalar graph inputs (a weight is auto); null: the settings' values as constants.</param>
    public static KtoLossOutputs Build(GraphBuilder b, LossSettings settings, Value policy, Value reference,
        Value? policyKl, Value? referenceKl, Value label, Value? klInput = null, (Value Desirable, Value Undesirable)? weights = null)
    {
        using var _ = b.Scope("kto_loss");
        Value C(double v) => b.ScalarLike(v, policy);
        var beta = C(settings.Beta);
        var logRatio = b.Sub(policy, b.Detach(reference));                             // r
        Value desirable, undesirable, kl;
        switch (settings.LossType)
        {
            case LossType.Kto:
                if (klInput is not null) kl = b.Detach(klInput);
                else if (policyKl is null || referenceKl is null) throw new ArgumentException("The kto loss needs the KL log-probs or z0.");
                else kl = b.Detach(b.Op("Max", [b.ReduceMean(b.Sub(policyKl, referenceKl), [0], keepDims: false), C(0)]));
                desirable = b.Sub(C(1), b.Sigmoid(b.Mul(beta, b.Sub(logRatio, kl))));
                undesirable = b.Sub(C(1), b.Sigmoid(b.Mul(beta, b.Sub(kl, logRatio))));
                break;
            case LossType.ApoZeroUnpaired:
                kl = C(0);
                desirable = b.Sub(C(1), b.Sigmoid(b.Mul(beta, logRatio)));
                undesirable = b.Sigmoid(b.Mul(beta, logRatio));
                break;
            default:
                throw new ArgumentException($"{settings.LossType} is not a KTO loss.");
        }
        var (desirableWeight, undesirableWeight) = weights ?? (C(Constant(settings.DesirableWeight)), C(Constant(settings.UndesirableWeight)));
        var perExample = b.Where(label, b.Mul(desirableWeight, desirable), b.Mul(undesirableWeight, undesirable));
        var loss = b.ReduceMean(perExample, [0], keepDims: false);
        return new KtoLossOutputs(loss, b.Mul(beta, logRatio), kl);
    }

    private static double Constant(double? weight) =>
        weight ?? throw new ArgumentException("An auto label weight needs the weights as graph inputs.");
}
