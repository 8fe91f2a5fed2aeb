using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Training.Loop;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Losses;

/// <summary>The BCO loss's graph outputs.</summary>
/// <param name="Loss">Scalar: mean over all n examples of the weighted per-example losses.</param>
/// <param name="Rewards">r = β·(log πθ − log πref) per example, which also update the running mean δ.</param>
/// <param name="Delta">The reward shift δ the loss used (scalar).</param>
internal sealed record BcoLossOutputs(Value Loss, Value Rewards, Value Delta);

/// <summary>
/// Binary Classifier Optimization's loss as TRL's <c>BCOTrainer</c> computes it without the UDM density ratio
/// (Jung et al., 2024, arXiv 2404.04656): r = β·(log πθ(y|x) − log πref(y|x)); desirable −log σ(r − δ), undesirable
/// −log σ(−(r − δ)); the loss is the mean over the n examples. δ is TRL's <c>RunningMoments</c> mean of every reward
/// seen in training, this micro-batch's included: δ = (N·m + Σr)/(N + n) with m and N the mean and count before it
/// (graph inputs, kept by the loop and saved in checkpoints); evaluation uses δ = m (TRL's <c>do_train=False</c>).
/// δ is detached, as TRL computes it from detached rewards. λ_D and λ_U weight the two terms as in kto (TRL's BCO has
/// no weights: at the default 1 the loss is TRL's).
/// </summary>
internal sealed class BcoLoss(LossSettings settings) : TrainingLoss(settings)
{
    public override bool NeedsReference => true;

    public override bool WeighsLabels => true;

    public override LoggedMetrics Metrics => LoggedMetrics.Rewards | LoggedMetrics.Delta;

    /// <summary>The running reward mean δ, gathered across ranks (<see cref="RewardShift"/>).</summary>
    public override ILossState? CreateState(IReadOnlyList<TokenizedExample> data, int padId, int? maxLength) => new RewardShift();

    public override Value AddTo(LossGraph graph)
    {
        var label = graph.Labels();
        var reference = graph.PerRow(ReferenceLogps);
        var weights = graph.LabelWeights(Settings);
        var mean = graph.Scalar(RewardMean);
        var count = graph.Training ? graph.Scalar(RewardCount) : null;
        var outputs = Build(graph.B, Settings, graph.Policy.SequenceLogps, reference, label, mean, count, weights);
        graph.Output(outputs.Rewards, Rewards);
        graph.Output(outputs.Delta, Delta);
        return outputs.Loss;
    }

    /// <param name="b">Builder of the training graph.</param>
    /// <param name="settings">β and the label weights.</param>
    /// <param name="policy">Policy sequence log-probs (batch).</param>
    /// <param name="reference">Reference sequence log-probs (batch).</param>
    /// <param name="label">bool (batch): true for desirable completions.</param>
    /// <param name="rewardMean">Scalar m: the running mean of the rewards before this micro-batch.</param>
    /// <param name="rewardCount">Scalar N: rewards seen before this micro-batch; null in the eval graph (δ = m).</param>
    /// <param name="weights">λ_D and λ_U as scalar graph inputs (a weight is auto); null: the settings' values.</param>
    public static BcoLossOutputs Build(GraphBuilder b, LossSettings settings, Value policy, Value reference, Value label,
        Value rewardMean, Value? rewardCount, (Value Desirable, Value Undesirable)? weights = null)
    {
        using var _ = b.Scope("bco_loss");
        Value C(double v) => b.ScalarLike(v, policy);
        var rewards = b.Mul(C(settings.Beta), b.Sub(policy, b.Detach(reference)));          // r
        var delta = rewardCount is null
            ? b.Detach(rewardMean)
            : b.Detach(b.Div(b.Add(b.Mul(rewardCount, rewardMean), b.ReduceSum(rewards, [0], keepDims: false)),
                b.Add(rewardCount, b.Cast(b.Op("Size", [rewards]), policy.Type))));
        var shifted = b.Sub(rewards, delta);
        var (desirableWeight, undesirableWeight) = weights
            ?? (C(settings.DesirableWeight ?? throw new ArgumentException("An auto label weight needs the weights as graph inputs.")),
                C(settings.UndesirableWeight ?? throw new ArgumentException("An auto label weight needs the weights as graph inputs.")));
        var perExample = b.Where(label,
            b.Mul(desirableWeight, b.Neg(LogSigmoid.Build(b, shifted))),
            b.Mul(undesirableWeight, b.Neg(LogSigmoid.Build(b, b.Neg(shifted)))));
        return new BcoLossOutputs(b.ReduceMean(perExample, [0], keepDims: false), rewards, delta);
    }
}
