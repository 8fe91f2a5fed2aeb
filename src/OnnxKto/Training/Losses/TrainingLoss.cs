using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Training.Loop;

namespace OnnxKto.Training.Losses;

/// <summary>
/// A loss as the rest of training sees it: everything the artifacts, the data loading, the batching, the loop, the
/// metrics and data parallelism need to know about a loss is declared here, by the loss's own class, and asked for;
/// nothing outside <c>Training/Losses</c> compares <see cref="LossType"/>. <see cref="For"/> is the registry.
/// </summary>
internal abstract class TrainingLoss(LossSettings settings)
{
    /// <summary>The loss's hyper-parameters.</summary>
    public LossSettings Settings => settings;

    /// <summary>The loss for <paramref name="settings"/>' <c>loss_type</c>.</summary>
    public static TrainingLoss For(LossSettings settings) => settings.LossType switch
    {
        LossType.Kto or LossType.ApoZeroUnpaired => new KtoLoss(settings),
        LossType.Sft => new SftLoss(settings),
        LossType.Dpo => new DpoLoss(settings),
        LossType.Bco => new BcoLoss(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.LossType, "No such loss."),
    };

    /// <summary>Whether the loss reads the frozen reference model's log-probs of each target row (<c>reference_logps</c>).</summary>
    public abstract bool NeedsReference { get; }

    /// <summary>Where its KL reference point comes from, if it has one.</summary>
    public virtual KlPass KlPass => KlPass.None;

    /// <summary>
    /// Whether it trains on preference pairs (prompt, chosen, rejected): the data is read as pairs, the plan counts
    /// pairs, and a micro-batch of B pairs has 2B rows, the chosen ones first.
    /// </summary>
    public virtual bool Paired => false;

    /// <summary>Whether labels weight the loss (λ_D, λ_U, their <c>auto</c> values and the label-balance advice).</summary>
    public virtual bool WeighsLabels => false;

    /// <summary>What it logs besides the metrics every loss logs.</summary>
    public abstract LoggedMetrics Metrics { get; }

    /// <summary>Rows of a micro-batch of <paramref name="batchSize"/> examples (pairs for a paired loss).</summary>
    public int RowsPerMicroBatch(int batchSize) => Paired ? 2 * batchSize : batchSize;

    /// <summary>
    /// The state the loop keeps for the loss between steps and updates (reduced across ranks and saved in checkpoints
    /// by the state itself), or null when it keeps none.
    /// </summary>
    /// <param name="data">The shaped training data (the rows the plan indexes).</param>
    /// <param name="padId">The padding token.</param>
    /// <param name="maxLength"><c>max_length</c>, null: no limit.</param>
    public virtual ILossState? CreateState(IReadOnlyList<TokenizedExample> data, int padId, int? maxLength) => null;

    /// <summary>Adds the loss's inputs, its computation and its metric outputs to a training or eval graph.</summary>
    /// <returns>The scalar loss (the caller names it <c>loss</c>).</returns>
    public abstract Value AddTo(LossGraph graph);
}
