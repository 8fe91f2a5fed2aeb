using OnnxKto.Graphs;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Losses;

/// <summary>The DPO loss's graph outputs.</summary>
/// <param name="Loss">Scalar: mean over the pairs.</param>
/// <param name="Rewards">β·(log πθ − log πref) per row (chosen rows, then rejected rows), for the rewards/* metrics.</param>
internal sealed record DpoLossOutputs(Value Loss, Value Rewards);

/// <summary>
/// Direct Preference Optimization's loss as TRL's <c>DPOTrainer</c> computes it for <c>loss_type: sigmoid</c>
/// (Rafailov et al., 2023), with conservative label smoothing ε (<c>label_smoothing</c>):
/// h = (log πθ(y_c|x) − log πref(y_c|x)) − (log πθ(y_r|x) − log πref(y_r|x)),
/// loss = mean over pairs of −log σ(βh)·(1 − ε) − log σ(−βh)·ε.
/// A micro-batch of B pairs has 2B rows, the B chosen completions first and then the B rejected ones in the same
/// order (TRL's concatenated forward). The reference log-probs are inputs and carry no gradient.
/// </summary>
internal sealed class DpoLoss(LossSettings settings) : TrainingLoss(settings)
{
    public override bool NeedsReference => true;

    public override bool Paired => true;

    public override LoggedMetrics Metrics => LoggedMetrics.Rewards | LoggedMetrics.PairAccuracy;

    public override Value AddTo(LossGraph graph)
    {
        var outputs = Build(graph.B, Settings, graph.Policy.SequenceLogps, graph.PerRow(ReferenceLogps));
        graph.Output(outputs.Rewards, Rewards);
        return outputs.Loss;
    }

    /// <param name="b">Builder of the training graph.</param>
    /// <param name="settings">β and label smoothing.</param>
    /// <param name="policy">Policy sequence log-probs (2B).</param>
    /// <param name="reference">Reference sequence log-probs (2B).</param>
    public static DpoLossOutputs Build(GraphBuilder b, LossSettings settings, Value policy, Value reference)
    {
        using var _ = b.Scope("dpo_loss");
        Value C(double v) => b.ScalarLike(v, policy);
        var logRatio = b.Sub(policy, b.Detach(reference));                                    // (2B)
        // (2, B) · [[1], [−1]] summed over the first axis: chosen minus rejected log-ratio, per pair.
        var sign = b.Cast(b.Const(TensorData.FromDoubles([2, 1], [1, -1])), policy.Type);
        var h = b.ReduceSum(b.Mul(b.Reshape(logRatio, 2, -1), sign), [0], keepDims: false);  // (B)
        var logits = b.Mul(C(settings.Beta), h);
        var smoothing = settings.LabelSmoothing;
        var perPair = b.Neg(b.Mul(LogSigmoid.Build(b, logits), C(1 - smoothing)));
        if (smoothing != 0) perPair = b.Sub(perPair, b.Mul(LogSigmoid.Build(b, b.Neg(logits)), C(smoothing)));
        return new DpoLossOutputs(b.ReduceMean(perPair, [0], keepDims: false), b.Mul(C(settings.Beta), logRatio));
    }
}
