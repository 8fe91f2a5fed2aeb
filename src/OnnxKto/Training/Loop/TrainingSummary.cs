namespace OnnxKto.Training.Loop;

/// <summary>How a run ended: updates applied and the closing metrics (train_runtime, train_loss, ...).</summary>
public sealed record TrainingSummary(long Steps, string FinalCheckpoint, IReadOnlyDictionary<string, double> Metrics);
