using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// <c>eval_steps</c>: the eval graph over all the eval data at the current parameters, in micro-batches of
/// <c>per_device_train_batch_size</c> items, reported with the training metrics' names prefixed <c>eval_</c>.
/// </summary>
internal sealed class Evaluator(KtoConfig config, TrainingLoss loss, TrainingData data, int padId, Action<string> log)
{
    /// <summary>Evaluates at update <paramref name="step"/>, logs a line and returns the metrics (with <c>step</c>).</summary>
    public Dictionary<string, double> Evaluate(TrainingSession session, int step)
    {
        var eval = new MetricsAccumulator(loss.Metrics);
        var references = ReferenceSource.OnTheFly(loss);
        bool kl = loss.KlPass == KlPass.MicroBatch;
        // A micro-batch KL pass pairs rows within the micro-batch: a last micro-batch of one is left out.
        foreach (var items in Enumerable.Range(0, data.Count).Chunk(config.Schedule.PerDeviceTrainBatchSize).Where(b => !kl || b.Length > 1))
        {
            var batch = data.Batch(items, kl, padId, config.Data.MaxLength);
            var (target, klLogps) = references.For(session, batch);
            var result = session.EvalStep(batch, target, klLogps);
            eval.Add(batch, result);
            eval.AddUpdate(result.Loss);
        }
        var metrics = eval.Report("eval_");
        metrics["step"] = step;
        log($"eval at step {step}: loss {metrics["eval_loss"]:F4}" +
            (metrics.TryGetValue("eval_rewards/margins", out var margins) ? $", margins {margins:F4}" : ""));
        return metrics;
    }
}
