namespace OnnxKto.Cli.Online;

/// <summary>One row of the <c>onnx-kto online</c> table, also stored as the round's <c>complete.json</c>.</summary>
/// <param name="Round">0 for the initial model, then 1, 2, ...</param>
/// <param name="Samples">Samples drawn and labelled this round (0 for round 0).</param>
/// <param name="DesirableFraction">The share the verifier marked desirable; null for round 0.</param>
/// <param name="HeldOutAccuracy">The share of greedy held-out completions the verifier accepts, after the round.</param>
/// <param name="Kl">The mean of the KL estimates (z0) the round's training logged; null for round 0 or when none was logged.</param>
public sealed record OnlineRound(int Round, int Samples, double? DesirableFraction, double HeldOutAccuracy, double? Kl);
