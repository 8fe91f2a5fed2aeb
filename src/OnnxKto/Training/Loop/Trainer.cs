using OnnxKto.Data;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Parallel;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The training loop: data → plan → reference log-probs → updates with logging, evaluation and checkpoints.
/// Everything that decides the trajectory (data order, KL pairs, reference values, optimizer state) is either fixed
/// by the seed or saved in checkpoints, so a resumed run repeats an uninterrupted one step for step.
/// </summary>
public sealed class Trainer(TrainOptions options, Action<string> log, ITrainingProgress? progress = null)
{
    /// <summary>Non-finite updates in a row after which the run stops.</summary>
    public const int MaxConsecutiveNonFinite = 3;

    private readonly KtoConfig _config = options.Config;
    private readonly TrainingLoss _loss = TrainingLoss.For(options.Config.Loss);

    /// <summary>Runs (or, with <see cref="TrainOptions.Resume"/>, continues) training to the plan's last update.</summary>
    /// <returns>The updates applied, the last checkpoint written and the closing metrics.</returns>
    /// <exception cref="UserError">A bad device name, a run folder already holding a run (without resume or overwrite), a config whose baked settings differ from the artifacts', or <see cref="MaxConsecutiveNonFinite"/> non-finite updates in a row.</exception>
    /// <exception cref="DeviceUnavailableException">The device cannot run here.</exception>
    /// <exception cref="InvalidDataException">A data file with no usable examples, or a malformed manifest or checkpoint.</exception>
    public TrainingSummary Run()
    {
        // Set-up: fail on an unusable device before touching the run folder or reading data.
        var device = ExecutionDevice.Parse(options.Device);
        var settings = new DeviceSessionSettings { IntraOpThreads = options.Threads, UseTf32 = options.Tf32 };
        device.CreateSessionOptions(settings).Dispose();
        using var parallel = DataParallel.Join(TimeSpan.FromSeconds(_config.Loop.DdpTimeout));
        device = parallel.Place(device, options.Device);
        if (!parallel.IsWriter) (log, progress) = (_ => { }, null);  // rank 0 speaks for the job
        if (parallel.Active) log($"data parallel: {parallel.Describe()}");
        var manifest = ArtifactManifest.Load(options.Artifacts);
        TrainingPreflight.CheckConfigMatchesArtifacts(_config, manifest, options.Artifacts);
        if (options.ReferenceArtifacts is not null && !(_loss.NeedsReference && _config.Loop.PrecomputeRefLogProbs))
            throw new UserError("A reference from other artifacts needs a loss with a reference model and precompute_ref_log_probs: true.");

        // Data and plan (a paired loss plans over pairs).
        var tokenizer = ModelTokenizer.Load(manifest.Model);
        var train = TrainingDataLoader.Load(options.Data, _config, _loss, manifest, tokenizer, log);
        var plan = TrainingPlan.Create(train.Count, _config.Schedule, _config.Data.Seed, _loss.KlPass != KlPass.None,
            pairsAcrossUpdate: _loss.KlPass == KlPass.Window, worldSize: parallel.WorldSize);
        int rows = _loss.RowsPerMicroBatch(_config.Schedule.PerDeviceTrainBatchSize);
        settings = settings with { CpuMemoryArena = TrainingPreflight.CheckMemoryPlan(options, rows, manifest, device, train.Examples, log) };
        var run = new RunFolder(options.Output);
        if (parallel.IsWriter) run.Prepare(options.Resume, options.Overwrite);
        parallel.Barrier("preparing the run folder");
        foreach (var warning in plan.Warnings) log($"warning: {warning}");
        int total = plan.Updates.Count;

        // Where to start: the run's last checkpoint when resuming, else the artifacts' initial one.
        var resumeFrom = options.Resume ? run.LastCheckpoint() : null;
        var checkpoint = TrainingCheckpoint.Open(Path.Combine(resumeFrom ?? options.Artifacts, ArtifactNames.Checkpoint));
        int start = CheckpointMetadata.CursorOf(checkpoint.Metadata);
        parallel.EnsureSame(start, "the update to start from", "Every rank reads the run folder to resume: put --out on a file system all nodes share.");
        if (resumeFrom is not null) log($"resuming from {resumeFrom} (update {start} of {total})");
        if (parallel.IsWriter) run.TruncateMetricsAfter(start);
        log($"training: {train.Examples.Count} examples, {total} updates ({plan.UpdatesPerEpoch} per epoch), " +
            $"batch {_config.Schedule.PerDeviceTrainBatchSize} x {_config.Schedule.GradientAccumulationSteps} accumulation{(parallel.Active ? $" x {parallel.WorldSize} ranks" : "")}, loss {_config.Loss.LossType.ToConfigName()}");

        using var session = new TrainingSession(options.Artifacts, checkpoint, device, settings);
        if (device.IsCuda) log($"device {device}: parameters, gradients and optimizer state in device memory{(options.Tf32 ? ", TF32 on" : "")}");
        int pad = tokenizer.PadTokenId;
        // Reference log-probs, eval data, label weights and the loss's state.
        var references = ReferenceSource.Prepare(session, options, _loss, train, plan, parallel, run.ReferenceCache(""), device, settings, pad, log);
        var evaluator = options.EvalData is null ? null
            : new Evaluator(_config, _loss, TrainingDataLoader.Load(options.EvalData, _config, _loss, manifest, tokenizer, log), pad, log);
        if (_config.Loss.AutoWeights && _loss.WeighsLabels) SetAutoWeights(session, train);
        var state = _loss.CreateState(train.Examples, pad, _config.Data.MaxLength);
        state?.Restore(checkpoint.Metadata, session);

        // The update loop, with logging, evaluation and checkpoints.
        var step = new UpdateStep(session, parallel, train, references, _loss, state, pad, _config.Data.MaxLength, log);
        var metrics = new TrainingLog(run, parallel, _loss, progress, _config.Loop.LoggingSteps, plan.UpdatesPerEpoch);
        var schedule = LearningRateSchedule.For(_config.Schedule, total);
        string lastCheckpoint = resumeFrom ?? "";
        progress?.Start(start, total);
        for (int k = start; k < total; k++)
        {
            double rate = schedule.RateAt(k);
            var (updateLoss, norm) = step.Apply(k, plan.Updates[k], rate, metrics.Interval, lastCheckpoint);
            metrics.Updated(k + 1, total, updateLoss, rate, norm);
            if (evaluator is not null && _config.Loop.EvalSteps is int every && (k + 1) % every == 0)
            {
                var evaluation = evaluator.Evaluate(session, k + 1);  // every rank: all the eval data
                if (parallel.IsWriter) run.AppendMetrics(evaluation);
            }
            if (parallel.IsWriter && ((k + 1) % _config.Loop.SaveSteps == 0 || k + 1 == total))
            {
                var metadata = CheckpointMetadata.For(manifest, options.Artifacts, _config, k + 1, plan.Updates[k].Epoch).ToDictionary();
                state?.Save(metadata);
                lastCheckpoint = run.SaveCheckpoint(session.SaveCheckpoint(metadata), k + 1, _config.Loop.SaveTotalLimit);
            }
        }
        progress?.Finish();
        var summary = metrics.Totals(total - start, step.Samples);
        log($"done: {total} updates, train_loss {summary["train_loss"]:F4}, {summary["train_runtime"]:F1}s; checkpoint {lastCheckpoint}");
        return new TrainingSummary(session.Step, lastCheckpoint, summary);
    }

    /// <summary><c>auto</c> label weights: λ_D and λ_U from the training data's label counts, fed to the graphs.</summary>
    private void SetAutoWeights(TrainingSession session, TrainingData train)
    {
        var labels = LabelBalance.Count(train.Examples.Select(e => e.Label));
        var weights = _config.Loss.WeightsFor(labels);
        log($"label weights (auto): desirable_weight {weights.Desirable:G6}, undesirable_weight {weights.Undesirable:G6} " +
            $"for {labels}, so λ_D·n_D/(λ_U·n_U) = {labels.WeightedRatio(weights.Desirable, weights.Undesirable):G4}");
        session.SetLossInput(ArtifactNames.DesirableWeight, weights.Desirable);
        session.SetLossInput(ArtifactNames.UndesirableWeight, weights.Undesirable);
    }
}
