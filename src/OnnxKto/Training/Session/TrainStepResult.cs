namespace OnnxKto.Training.Session;

/// <summary>
/// What one micro-batch step reports (host copies of the training graph's small outputs).
/// Per-example arrays are empty when the loss does not produce them (sft has no rewards).
/// </summary>
public sealed record TrainStepResult(
    float Loss,
    float[] PolicyLogps,
    float[] Rewards,
    float Kl,
    float[] LogitsSum,
    float[] CompletionTokens);
