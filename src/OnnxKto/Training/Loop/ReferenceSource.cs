using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Parallel;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The reference model's log-probs for each micro-batch, as the loss needs them: none (sft), from the cache computed
/// before training (<c>precompute_ref_log_probs</c>, <see cref="ReferenceLogProbs"/>), or from a reference pass per
/// micro-batch.
/// </summary>
internal sealed class ReferenceSource
{
    private readonly TrainingLoss _loss;
    private readonly ReferenceLogProbs? _cached;

    private ReferenceSource(TrainingLoss loss, ReferenceLogProbs? cached) => (_loss, _cached) = (loss, cached);

    /// <summary>The cache (the run's KL pairs as the loss forms them), or per micro-batch passes, or nothing for a loss without a reference.</summary>
    /// <param name="session">The run's session; its reference model is released once the cache is made.</param>
    /// <param name="options">The run's options: config and <see cref="TrainOptions.ReferenceArtifacts"/>.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="train">The training data.</param>
    /// <param name="plan">The run's plan.</param>
    /// <param name="parallel">The job: the batch KL estimate pairs within this rank's slice; rank 0 alone writes the cache.</param>
    /// <param name="cachePath">The cache file of the run folder.</param>
    /// <param name="device">Where another artifacts folder's reference runs.</param>
    /// <param name="settings">Its session settings.</param>
    /// <param name="padId">The padding token.</param>
    /// <param name="log">Progress lines.</param>
    public static ReferenceSource Prepare(TrainingSession session, TrainOptions options, TrainingLoss loss, TrainingData train, TrainingPlan plan,
        DataParallel parallel, string cachePath, ExecutionDevice device, DeviceSessionSettings settings, int padId, Action<string> log)
    {
        var config = options.Config;
        if (!loss.NeedsReference || !config.Loop.PrecomputeRefLogProbs) return new ReferenceSource(loss, null);
        // A window estimate scores the whole update's pairs on every rank (so every rank holds the same z0 without a
        // collective); the batch estimate pairs within this rank's slice.
        var pairs = loss.KlPass switch
        {
            KlPass.Window => plan.Updates.SelectMany(KlReferencePoint.Pairs),
            KlPass.MicroBatch => plan.Updates.SelectMany(u => u.MicroBatches).Select(m => parallel.Slice(m.Examples))
                .SelectMany(examples => examples.Select((e, row) => (e, MicroBatch.KlSource(examples, row)))),
            _ => [],
        };
        // Another artifacts folder's initial weights may stand as the reference (online rounds against the initial model).
        ReferenceLogProbs cached;
        using (var other = options.ReferenceArtifacts is { } folder
                   ? new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)), device, settings) : null)
            cached = ReferenceLogProbs.LoadOrCompute(other ?? session, train.Examples, pairs, loss.RowsPerMicroBatch(config.Schedule.PerDeviceTrainBatchSize),
                padId, config.Data.MaxLength, parallel.IsWriter ? cachePath : null, log);
        session.ReleaseReferenceModel();  // cached now: its weights and activations need not stay for the run
        return new ReferenceSource(loss, cached);
    }

    /// <summary>A source that runs the reference model per micro-batch (evaluation, whose data is not cached).</summary>
    public static ReferenceSource OnTheFly(TrainingLoss loss) => new(loss, null);

    /// <summary>The reference log-probs of a micro-batch's target rows and, for the micro-batch KL pass, of its KL rows.</summary>
    public (float[]? Target, float[]? Kl) For(TrainingSession session, MicroBatch batch)
    {
        if (!_loss.NeedsReference) return (null, null);
        bool kl = _loss.KlPass == KlPass.MicroBatch;
        if (_cached is not null) return (_cached.Target(batch), kl ? _cached.Kl(batch) : null);
        var (target, klLogps) = session.ComputeReferenceLogps(batch.Target, batch.Kl ?? batch.Target, batch.Size);
        return (target, kl ? klLogps : null);
    }

    /// <summary>The cache, for the window KL estimate's reference values (null: computed per update).</summary>
    public ReferenceLogProbs? Cached => _cached;
}
