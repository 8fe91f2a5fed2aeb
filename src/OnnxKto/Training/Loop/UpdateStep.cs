using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Parallel;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// One optimizer update: each planned micro-batch's slice for this rank, its reference log-probs, the loss state's
/// calls, forward and backward with accumulation; then the gradients averaged across ranks and the optimizer step. A
/// non-finite update is skipped; <see cref="Trainer.MaxConsecutiveNonFinite"/> in a row stop the run.
/// </summary>
internal sealed class UpdateStep(TrainingSession session, DataParallel parallel, TrainingData train, ReferenceSource references,
    TrainingLoss loss, ILossState? state, int padId, int? maxLength, Action<string> log)
{
    private int _nonFinite;

    /// <summary>Rows this rank has trained on.</summary>
    public int Samples { get; private set; }

    /// <summary>Applies update <paramref name="k"/> (0-based) and adds its micro-batches to <paramref name="interval"/>.</summary>
    /// <param name="k">The update's 0-based index in the plan.</param>
    /// <param name="update">The planned update: its micro-batches.</param>
    /// <param name="rate">The learning rate of this update.</param>
    /// <param name="interval">The metrics of the current logging interval.</param>
    /// <param name="lastCheckpoint">The last checkpoint written, for the message when the run stops.</param>
    /// <returns>The update's loss (the mean of its micro-batch losses) and the gradient norm before clipping (NaN when skipped).</returns>
    /// <exception cref="UserError"><see cref="Trainer.MaxConsecutiveNonFinite"/> non-finite updates in a row.</exception>
    public (double Loss, double Norm) Apply(int k, PlannedUpdate update, double rate, MetricsAccumulator interval, string lastCheckpoint)
    {
        session.SetLearningRate(rate);
        session.LazyResetGrad();
        double updateLoss = 0;
        bool finite = true;
        state?.BeforeUpdate(session, update, references.Cached);
        foreach (var planned in update.MicroBatches)
        {
            var batch = train.Batch(parallel.Slice(planned.Examples), loss.KlPass == KlPass.MicroBatch, padId, maxLength);
            var (refTarget, refKl) = references.For(session, batch);
            if (loss.KlPass == KlPass.MicroBatch) refKl = parallel.AgreeOnKl(session, batch, refKl!, k + 1);
            state?.BeforeStep(session, batch, refTarget, parallel, k + 1);
            var result = session.TrainStep(batch, refTarget, refKl, 1f / update.MicroBatches.Count);
            state?.AfterStep(session, result, parallel, k + 1);
            finite &= float.IsFinite(result.Loss);
            updateLoss += result.Loss / update.MicroBatches.Count;
            interval.Add(batch, result);
            Samples += batch.Size;
        }
        finite = parallel.AverageGradients(session, finite, k + 1);
        double? scaleBefore = session.DynamicLossScale;
        double norm = finite ? session.OptimizerStep() : double.NaN;
        if (finite && !double.IsFinite(norm) && scaleBefore is { } scale)
            // GradScaler's overflow: the update is skipped and the scale halves; not a divergence.
            log($"fp16: update {k + 1} skipped: gradients overflowed at loss scale {scale}; now {session.DynamicLossScale}");
        else if (!finite || !double.IsFinite(norm))
        {
            _nonFinite++;
            log($"warning: update {k + 1} skipped: non-finite {(finite ? "gradient norm" : "loss")} ({_nonFinite} in a row)");
            if (_nonFinite >= Trainer.MaxConsecutiveNonFinite)
                throw new UserError(
                    $"{_nonFinite} updates in a row had a non-finite loss or gradient norm; stopping. The last good checkpoint is " +
                    $"{(lastCheckpoint.Length > 0 ? lastCheckpoint : "the artifacts' initial one")}. Lower learning_rate or check the data.");
            session.LazyResetGrad();
        }
        else _nonFinite = 0;
        interval.AddUpdate(updateLoss);
        return (updateLoss, norm);
    }
}
