using OnnxKto.Training.Batching;
using OnnxKto.Training.Parallel;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>
/// What a loss keeps between steps and updates (<see cref="Losses.TrainingLoss.CreateState"/>): kto's window z0, bco's
/// running reward mean. The loop calls it at fixed points; the state feeds the session's loss inputs, agrees with the
/// other ranks itself, and goes into every checkpoint's metadata, so a data-parallel or resumed run holds the same
/// state as one uninterrupted process. Every call but <see cref="Save"/> and <see cref="Restore"/> is optional.
/// </summary>
internal interface ILossState
{
    /// <summary>Restores the state from a checkpoint's metadata (a fresh run's has none) and feeds it to the session.</summary>
    void Restore(IReadOnlyDictionary<string, string> metadata, TrainingSession session);

    /// <summary>Before an update's first micro-batch, at the parameters the update starts from.</summary>
    /// <param name="session">The training session, at the update's starting parameters.</param>
    /// <param name="update">The planned update: its micro-batches.</param>
    /// <param name="reference">The cached reference log-probs, or null when they are computed on the fly.</param>
    void BeforeUpdate(TrainingSession session, PlannedUpdate update, ReferenceLogProbs? reference) { }

    /// <summary>Before a micro-batch's training step, with this rank's slice and its reference log-probs.</summary>
    /// <param name="session">The training session.</param>
    /// <param name="batch">This rank's slice of the micro-batch.</param>
    /// <param name="referenceLogps">Its reference log-probs, or null when the loss needs none.</param>
    /// <param name="parallel">The ranks, for states reduced across them.</param>
    /// <param name="update">1-based update number, for messages.</param>
    void BeforeStep(TrainingSession session, MicroBatch batch, float[]? referenceLogps, DataParallel parallel, int update) { }

    /// <summary>After a micro-batch's training step, with its result on this rank.</summary>
    void AfterStep(TrainingSession session, TrainStepResult result, DataParallel parallel, int update) { }

    /// <summary>Adds the state to a checkpoint's metadata.</summary>
    void Save(IDictionary<string, string> metadata);
}
