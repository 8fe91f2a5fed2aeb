namespace OnnxKto.Data;

/// <summary>
/// One (prompt, chosen, rejected) row of a paired dataset kept as a pair (<see cref="KtoDataset.Load"/> with
/// <c>keepPairs</c>): the indices of its chosen and rejected examples in the list that holds them
/// (<see cref="KtoDataset.Examples"/>, then <see cref="ShapedDataset.Examples"/>), so a loss on pairs never has to
/// find them again by position.
/// </summary>
/// <param name="Chosen">Index of the desirable example.</param>
/// <param name="Rejected">Index of the undesirable example of the same prompt.</param>
public sealed record PreferencePair(int Chosen, int Rejected);
