namespace OnnxKto.Training.Session;

/// <summary>
/// What one micro-batch step reports (host copies of the training graph's small outputs).
/// Per-example arrays are empty when the loss does not produce them (sft has no rewards). <c>Kl</c> is kto's z0,
/// <c>Delta</c> bco's reward shift δ (0 for other losses).
/// </summary>
public sealed record TrainStepResult(
    float Loss,
    float[] PolicyLogps,
    float[] Rewards,
    float Kl,
    float[] LogitsSum,
    float[] CompletionTokens,
    float Delta = 0);
