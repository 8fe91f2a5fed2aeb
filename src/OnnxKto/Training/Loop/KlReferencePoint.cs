using System.Globalization;
using OnnxKto.Data;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// The KL reference point z0 of kto with <c>kl_estimate</c> step or running, estimated once per optimizer update and fed
/// to the training graph (<see cref="ArtifactNames.KlReferencePoint"/>). The update's examples, micro-batch after
/// micro-batch, form one window; KL row j pairs prompt j with completion j−1 of the window (wrapping), as TRL pairs
/// within a micro-batch. Before the update's backward passes the policy scores those pairs without gradient; then
/// step: z0 = max(0, mean over the window of log πθ − log πref), which for one micro-batch of the whole window is
/// TRL's batch estimate; running: z0 = decay·z0_prev + (1 − decay)·step estimate (the first update takes the
/// estimate), decay <c>kl_ema</c>, carried in checkpoints so a resumed run continues the same average.
/// </summary>
internal sealed class KlReferencePoint(LossSettings settings, IReadOnlyList<TokenizedExample> data, int padId, int? maxLength) : ILossState
{
    /// <summary>The checkpoint metadata key of the running average.</summary>
    public const string MetadataKey = "kl_running_average";

    private double? _average;

    /// <summary>The (prompt, completion) KL pairs of one update's window.</summary>
    public static IEnumerable<(int Prompt, int Completion)> Pairs(PlannedUpdate update)
    {
        var window = update.Examples;
        return window.Select((e, row) => (e, MicroBatch.KlSource(window, row)));
    }

    /// <summary>Scores the update's KL pairs at the current parameters and sets z0 on the session.</summary>
    public void BeforeUpdate(TrainingSession session, PlannedUpdate update, ReferenceLogProbs? cached)
    {
        var pairs = Pairs(update).ToArray();
        double sum = 0;
        int offset = 0;
        // One micro-batch of KL rows at a time: the activations stay those of the training micro-batches.
        foreach (var micro in update.MicroBatches)
        {
            var rows = pairs[offset..(offset + micro.Examples.Length)];
            offset += rows.Length;
            var sequences = MicroBatch.Pad(rows.Select(p => MicroBatch.KlPair(data, p.Prompt, p.Completion, maxLength)).ToList(), padId);
            var policy = session.ComputePolicyKlLogps(sequences, rows.Length);
            var reference = cached?.Kl(rows) ?? session.ComputeReferenceLogps(sequences, sequences, rows.Length).Kl;
            for (int i = 0; i < rows.Length; i++) sum += policy[i] - reference[i];
        }
        double estimate = Math.Max(0, sum / pairs.Length);
        double z0 = settings.KlEstimate == KlEstimate.Running && _average is { } previous
            ? settings.KlEma * previous + (1 - settings.KlEma) * estimate
            : estimate;
        if (settings.KlEstimate == KlEstimate.Running) _average = z0;
        session.SetLossInput(ArtifactNames.KlReferencePoint, z0);
    }

    /// <summary>Adds the running average (when there is one) to a checkpoint's metadata.</summary>
    public void Save(IDictionary<string, string> metadata)
    {
        if (_average is { } average) metadata[MetadataKey] = average.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Restores the running average from a checkpoint's metadata and feeds it to the session, for evaluation before the next update.</summary>
    public void Restore(IReadOnlyDictionary<string, string> metadata, TrainingSession session)
    {
        if (!metadata.TryGetValue(MetadataKey, out var text)) return;
        _average = double.Parse(text, CultureInfo.InvariantCulture);
        session.SetLossInput(ArtifactNames.KlReferencePoint, _average.Value);
    }
}
