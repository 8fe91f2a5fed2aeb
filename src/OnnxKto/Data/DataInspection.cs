namespace OnnxKto.Data;

/// <summary>What <see cref="DataInspector.Inspect"/> found in a dataset.</summary>
/// <param name="Dataset">The rows read, with their counts.</param>
/// <param name="Labels">Label counts of all examples.</param>
/// <param name="WeightAdvice">TRL's weight warning when the weighted balance is outside [1, 4/3], else null.</param>
/// <param name="Lengths">Token-length statistics, or null when no tokenizer was given (or no example survived).</param>
/// <param name="Shaping">The report of tokenizing without limits (mismatches, skipped rows), or null without a tokenizer.</param>
public sealed record DataInspection(
    KtoDataset Dataset, LabelBalance Labels, string? WeightAdvice, TokenLengthStats? Lengths, DataReport? Shaping);
