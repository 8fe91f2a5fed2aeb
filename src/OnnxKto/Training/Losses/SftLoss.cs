using OnnxKto.Graphs;
using OnnxKto.Models.Scoring;

namespace OnnxKto.Training.Losses;

/// <summary>
/// Supervised fine-tuning loss: mean token cross-entropy over the completion tokens of the whole micro-batch,
/// −Σ log p / Σ tokens (as Hugging Face's causal-LM loss with prompt tokens masked out).
/// </summary>
internal sealed class SftLoss(LossSettings settings) : TrainingLoss(settings)
{
    public override bool NeedsReference => false;

    public override LoggedMetrics Metrics => LoggedMetrics.Counts;

    public override Value AddTo(LossGraph graph) => Build(graph.B, graph.Policy);

    public static Value Build(GraphBuilder b, CompletionStatistics policy)
    {
        using var _ = b.Scope("sft_loss");
        var total = b.ReduceSum(policy.SequenceLogps, [0], keepDims: false);
        var tokens = b.Op("Max", [b.ReduceSum(policy.TokenCount, [0], keepDims: false), b.ScalarLike(1, total)]);
        return b.Neg(b.Div(total, tokens));
    }
}
