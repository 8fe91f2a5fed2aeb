using System.Diagnostics;
using System.Globalization;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
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
        // Fail on an unusable device before touching the run folder or reading data.
        var device = ExecutionDevice.Parse(options.Device);
        var settings = new DeviceSessionSettings { IntraOpThreads = options.Threads, UseTf32 = options.Tf32 };
        device.CreateSessionOptions(settings).Dispose();
        using var parallel = DataParallel.Join(TimeSpan.FromSeconds(_config.Loop.DdpTimeout));
        device = parallel.Place(device, options.Device);
        if (!parallel.IsWriter) (log, progress) = (_ => { }, null);  // rank 0 speaks for the job
        if (parallel.Active) log($"data parallel: {parallel.Describe()}");
        var manifest = ArtifactManifest.Load(options.Artifacts);
        CheckConfigMatchesArtifacts(manifest);
        bool needsReference = _loss.NeedsReference;
        if (options.ReferenceArtifacts is not null && !(needsReference && _config.Loop.PrecomputeRefLogProbs))
            throw new UserError("A reference from other artifacts needs a loss with a reference model and precompute_ref_log_probs: true.");
        bool windowKl = _loss.KlPass == KlPass.Window, batchKl = _loss.KlPass == KlPass.MicroBatch, paired = _loss.Paired;

        var tokenizer = ModelTokenizer.Load(manifest.Model);
        var train = LoadData(options.Data, manifest, tokenizer);
        // A paired loss plans over pairs, each two examples (PreferencePairs).
        var plan = TrainingPlan.Create(paired ? train.Count / 2 : train.Count, _config.Schedule, _config.Data.Seed, _loss.KlPass != KlPass.None,
            pairsAcrossUpdate: windowKl, worldSize: parallel.WorldSize);
        settings = settings with { CpuMemoryArena = CheckMemoryPlan(manifest, device, train) };
        var run = new RunFolder(options.Output);
        if (parallel.IsWriter) run.Prepare(options.Resume, options.Overwrite);
        parallel.Barrier("preparing the run folder");
        foreach (var warning in plan.Warnings) log($"warning: {warning}");
        int total = plan.Updates.Count;
        var schedule = LearningRateSchedule.For(_config.Schedule, total);

        var resumeFrom = options.Resume ? run.Checkpoints().LastOrDefault() : default;
        var checkpoint = TrainingCheckpoint.Open(resumeFrom.Folder is null
            ? Path.Combine(options.Artifacts, ArtifactNames.Checkpoint)
            : Path.Combine(resumeFrom.Folder, ArtifactNames.Checkpoint));
        int start = checkpoint.Metadata.TryGetValue("cursor", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 0;
        parallel.EnsureSame(start, "the update to start from", "Every rank reads the run folder to resume: put --out on a file system all nodes share.");
        if (resumeFrom.Folder is not null) log($"resuming from {resumeFrom.Folder} (update {start} of {total})");
        if (parallel.IsWriter) run.TruncateMetricsAfter(start);
        log($"training: {train.Count} examples, {total} updates ({plan.UpdatesPerEpoch} per epoch), " +
            $"batch {_config.Schedule.PerDeviceTrainBatchSize} x {_config.Schedule.GradientAccumulationSteps} accumulation{(parallel.Active ? $" x {parallel.WorldSize} ranks" : "")}, loss {_config.Loss.LossType.ToConfigName()}");

        using var session = new TrainingSession(options.Artifacts, checkpoint, device, settings);
        if (device.IsCuda) log($"device {device}: parameters, gradients and optimizer state in device memory{(options.Tf32 ? ", TF32 on" : "")}");
        int pad = tokenizer.PadTokenId;
        ReferenceLogProbs? reference = null;
        if (needsReference && _config.Loop.PrecomputeRefLogProbs)
        {
            // A window estimate scores the whole update's pairs on every rank (so every rank holds the same z0 without a
            // collective); the batch estimate pairs within this rank's slice.
            var pairs = windowKl ? plan.Updates.SelectMany(KlReferencePoint.Pairs)
                : plan.Updates.SelectMany(u => u.MicroBatches).Select(m => parallel.Slice(m.Examples))
                    .SelectMany(examples => examples.Select((e, row) => (e, MicroBatch.KlSource(examples, row))));
            // Another artifacts folder's initial weights may stand as the reference (online rounds against the initial model).
            using (var other = options.ReferenceArtifacts is { } folder
                       ? new TrainingSession(folder, TrainingCheckpoint.Open(Path.Combine(folder, ArtifactNames.Checkpoint)), device, settings) : null)
                reference = ReferenceLogProbs.LoadOrCompute(other ?? session, train, _loss.KlPass != KlPass.None ? pairs : [], _config.Loss.RowsPerMicroBatch(_config.Schedule.PerDeviceTrainBatchSize), pad,
                    _config.Data.MaxLength, parallel.IsWriter ? run.ReferenceCache("") : null, log);
            session.ReleaseReferenceModel();  // cached now: its weights and activations need not stay for the run
        }
        var evalData = options.EvalData is null ? null : LoadData(options.EvalData, manifest, tokenizer);
        if (_config.Loss.AutoWeights && _loss.WeighsLabels)
        {
            var labels = LabelBalance.Count(train.Select(e => e.Label));
            var weights = _config.Loss.WeightsFor(labels);
            log($"label weights (auto): desirable_weight {weights.Desirable:G6}, undesirable_weight {weights.Undesirable:G6} " +
                $"for {labels}, so λ_D·n_D/(λ_U·n_U) = {labels.WeightedRatio(weights.Desirable, weights.Undesirable):G4}");
            session.SetLossInput(ArtifactNames.DesirableWeight, weights.Desirable);
            session.SetLossInput(ArtifactNames.UndesirableWeight, weights.Undesirable);
        }
        var state = _loss.CreateState(train, pad, _config.Data.MaxLength);
        state?.Restore(checkpoint.Metadata, session);

        var interval = new MetricsAccumulator(_loss.Metrics);
        var intervalClock = Stopwatch.StartNew();
        var runClock = Stopwatch.StartNew();
        double lossSum = 0;
        int nonFinite = 0, samples = 0;
        string lastCheckpoint = resumeFrom.Folder ?? "";
        progress?.Start(start, total);
        for (int k = start; k < total; k++)
        {
            var update = plan.Updates[k];
            double rate = schedule.RateAt(k);
            session.SetLearningRate(rate);
            session.LazyResetGrad();
            double updateLoss = 0;
            bool finite = true;
            state?.BeforeUpdate(session, update, reference);
            foreach (var planned in update.MicroBatches)
            {
                var rows = parallel.Slice(planned.Examples);
                var batch = MicroBatch.Build(train, paired ? PreferencePairs.Rows(rows) : rows, batchKl, pad, _config.Data.MaxLength, paired);
                var (refTarget, refKl) = References(session, batch, reference, needsReference, batchKl);
                if (batchKl) refKl = parallel.AgreeOnKl(session, batch, refKl!, k + 1);
                state?.BeforeStep(session, batch, refTarget, parallel, k + 1);
                var result = session.TrainStep(batch, refTarget, refKl, 1f / update.MicroBatches.Count);
                state?.AfterStep(session, result, parallel, k + 1);
                finite &= float.IsFinite(result.Loss);
                updateLoss += result.Loss / update.MicroBatches.Count;
                interval.Add(batch, result);
                samples += batch.Size;
            }
            finite = parallel.AverageGradients(session, finite, k + 1);
            double? scaleBefore = session.DynamicLossScale;
            double norm = finite ? session.OptimizerStep() : double.NaN;
            if (finite && !double.IsFinite(norm) && scaleBefore is { } scale)
                // GradScaler's overflow: the update is skipped and the scale halves; not a divergence.
                log($"fp16: update {k + 1} skipped: gradients overflowed at loss scale {scale}; now {session.DynamicLossScale}");
            else if (!finite || !double.IsFinite(norm))
            {
                nonFinite++;
                log($"warning: update {k + 1} skipped: non-finite {(finite ? "gradient norm" : "loss")} ({nonFinite} in a row)");
                if (nonFinite >= MaxConsecutiveNonFinite)
                    throw new UserError(
                        $"{nonFinite} updates in a row had a non-finite loss or gradient norm; stopping. The last good checkpoint is " +
                        $"{(lastCheckpoint.Length > 0 ? lastCheckpoint : "the artifacts' initial one")}. Lower learning_rate or check the data.");
                session.LazyResetGrad();
            }
            else nonFinite = 0;
            interval.AddUpdate(updateLoss);
            lossSum += updateLoss;
            int step = k + 1;
            progress?.Update(step, updateLoss);

            if (step % _config.Loop.LoggingSteps == 0 || step == total)
            {
                interval.SumAcrossRanks(sums => parallel.Sum(sums, $"metrics of update {step}"));
                var metrics = interval.Report();
                metrics["step"] = step;
                metrics["epoch"] = Math.Round((double)step / plan.UpdatesPerEpoch, 4);
                metrics["learning_rate"] = rate;
                metrics["grad_norm"] = norm;
                metrics["tokens_per_second"] = interval.Tokens / intervalClock.Elapsed.TotalSeconds;
                parallel.Report(metrics);
                if (parallel.IsWriter) run.AppendMetrics(metrics);
                progress?.Log(metrics);
                interval = new MetricsAccumulator(_loss.Metrics);
                intervalClock.Restart();
            }
            if (evalData is not null && _config.Loop.EvalSteps is int every && step % every == 0)
            {
                var evaluation = Evaluate(session, evalData, step, batchKl, needsReference, pad);  // every rank: all the eval data
                if (parallel.IsWriter) run.AppendMetrics(evaluation);
            }
            if (parallel.IsWriter && (step % _config.Loop.SaveSteps == 0 || step == total))
            {
                var metadata = Metadata(manifest, step, update.Epoch);
                state?.Save(metadata);
                lastCheckpoint = run.SaveCheckpoint(session.SaveCheckpoint(metadata), step, _config.Loop.SaveTotalLimit);
            }
        }
        progress?.Finish();
        double seconds = runClock.Elapsed.TotalSeconds;
        var totals = new[] { lossSum / parallel.WorldSize, samples };
        parallel.Sum(totals, "run totals");
        (lossSum, samples) = (totals[0], (int)totals[1]);
        var summary = new Dictionary<string, double>
        {
            ["train_runtime"] = Math.Round(seconds, 3),
            ["train_samples_per_second"] = Math.Round(samples / seconds, 3),
            ["train_steps_per_second"] = Math.Round((total - start) / seconds, 3),
            ["train_loss"] = (total - start) > 0 ? lossSum / (total - start) : double.NaN,
        };
        if (parallel.IsWriter) run.AppendMetrics(summary);
        log($"done: {total} updates, train_loss {summary["train_loss"]:F4}, {seconds:F1}s; checkpoint {lastCheckpoint}");
        return new TrainingSummary(session.Step, lastCheckpoint, summary);
    }

    private (float[]?, float[]?) References(TrainingSession session, MicroBatch batch, ReferenceLogProbs? cached, bool needed, bool kto)
    {
        if (!needed) return (null, null);
        if (cached is not null) return (cached.Target(batch), kto ? cached.Kl(batch) : null);
        var (target, kl) = session.ComputeReferenceLogps(batch.Target, batch.Kl ?? batch.Target, batch.Size);
        return (target, kto ? kl : null);
    }

    private Dictionary<string, double> Evaluate(TrainingSession session, IReadOnlyList<TokenizedExample> data, int step, bool batchKl, bool needsReference, int pad)
    {
        var eval = new MetricsAccumulator(_loss.Metrics);
        bool paired = _loss.Paired;
        var batches = Enumerable.Range(0, paired ? data.Count / 2 : data.Count).Chunk(_config.Schedule.PerDeviceTrainBatchSize).Where(b => !batchKl || b.Length > 1);
        foreach (var examples in batches)
        {
            var batch = MicroBatch.Build(data, paired ? PreferencePairs.Rows(examples) : examples, batchKl, pad, _config.Data.MaxLength, paired);
            var (target, kl) = References(session, batch, null, needsReference, batchKl);
            var result = session.EvalStep(batch, target, kl);
            eval.Add(batch, result);
            eval.AddUpdate(result.Loss);
        }
        var metrics = eval.Report("eval_");
        metrics["step"] = step;
        log($"eval at step {step}: loss {metrics["eval_loss"]:F4}" +
            (metrics.TryGetValue("eval_rewards/margins", out var margins) ? $", margins {margins:F4}" : ""));
        return metrics;
    }

    private List<TokenizedExample> LoadData(string path, ArtifactManifest manifest, ITextTokenizer tokenizer)
    {
        var data = _config.Data;
        var template = ChatTemplateCatalog.Resolve(data.ChatTemplate, manifest.Model, data.ChatTemplateKwargs.Values);
        // Label balance only matters to a loss that weighs labels; supervised data carries labels it does not read, and
        // pairs are balanced by construction. Auto weights balance the counts exactly, so only given weights get advice.
        var loss = _config.Loss;
        bool paired = _loss.Paired;
        var adviseFor = !_loss.WeighsLabels || loss.AutoWeights ? null : new LabelWeights(loss.DesirableWeight!.Value, loss.UndesirableWeight!.Value);
        var shaped = KtoDataShaper.Shape(KtoDataset.Load(path, data, keepPairs: paired), tokenizer, data, template, adviseFor);
        var report = shaped.Report;
        log($"data {path}: {report.RowsRead} rows, {shaped.Examples.Count} examples ({report.Labels.Desirable} desirable, " +
            $"{report.Labels.Undesirable} undesirable), {report.DroppedPromptTooLong} dropped (prompt too long), " +
            $"{report.CompletionsTruncated} completions truncated");
        foreach (var warning in report.Warnings) log($"warning: {warning}");
        if (shaped.Examples.Count == 0) throw new InvalidDataException($"{path}: no usable examples after shaping.");
        if (!paired) return shaped.Examples.ToList();
        var (pairs, dropped) = PreferencePairs.Align(shaped.Examples);
        if (dropped > 0) log($"warning: {dropped} example(s) dropped: the other half of their preference pair did not survive shaping.");
        if (pairs.Count == 0) throw new InvalidDataException($"{path}: no complete preference pairs after shaping.");
        return pairs;
    }

    private Dictionary<string, string> Metadata(ArtifactManifest manifest, int step, int epoch) => new()
    {
        ["cursor"] = step.ToString(CultureInfo.InvariantCulture),
        ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
        ["seed"] = _config.Data.Seed.ToString(CultureInfo.InvariantCulture),
        ["artifacts"] = Path.GetFullPath(options.Artifacts),
        ["model_fingerprint"] = manifest.ModelFingerprint,
        ["artifacts_config_fingerprint"] = manifest.ConfigFingerprint,
        ["run_config_fingerprint"] = ArtifactManifest.Fingerprint(_config),
    };

    /// <summary>
    /// Prints the memory plan, decides the CPU arena from it (<see cref="MemoryArenaChoice"/>) and refuses a plan over the
    /// limit before the run allocates or writes anything.
    /// </summary>
    /// <returns>Whether the sessions use ONNX Runtime's CPU arena.</returns>
    private bool CheckMemoryPlan(ArtifactManifest manifest, ExecutionDevice device, IReadOnlyList<TokenizedExample> data)
    {
        // Micro-batches pad to their longest row, so the data's longest row (already cut to max_length) bounds them.
        MemoryPlan PlanFor(bool arena) => MemoryPlan.For(manifest, _config.Loss.RowsPerMicroBatch(_config.Schedule.PerDeviceTrainBatchSize),
            data.Max(e => e.PromptIds.Length + e.CompletionIds.Length), data.Max(e => e.CompletionIds.Length),
            _config.Schedule.GradientAccumulationSteps, device, arena);
        var limit = options.MemoryLimitBytes ?? (device.IsCuda ? null : MemoryPlan.HostAvailableBytes());
        var arena = device.IsCuda ? null : MemoryArenaChoice.Decide(_config.Loop.MemoryArena, PlanFor(arena: true), limit);
        var plan = PlanFor(arena?.On ?? false);
        log($"memory plan ({device}):");
        foreach (var line in plan.Lines()) log(line);
        if (arena is not null) log($"memory arena: {arena.Reason}");
        if (limit is { } bytes) plan.EnsureFits(bytes, options.MemoryLimitBytes is null ? "this machine" : "--memory-limit");
        return arena?.On ?? false;
    }

    /// <summary>Settings baked into the graphs (loss, optimizer, trainable/frozen) cannot change after generation.</summary>
    private void CheckConfigMatchesArtifacts(ArtifactManifest manifest)
    {
        var differences = KtoConfigKeys.BakedDifferences(_config, manifest.Config);
        if (differences.Count > 0)
            throw new UserError(
                $"The config differs from the one the artifacts in '{options.Artifacts}' were generated with, in settings baked into the graphs: " +
                $"{string.Join("; ", differences)}. Regenerate the artifacts with this config ('onnx-kto artifacts ... --config').");
    }
}
