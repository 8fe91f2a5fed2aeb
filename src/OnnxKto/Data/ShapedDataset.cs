namespace OnnxKto.Data;

/// <summary>A dataset ready for training: tokenized, truncated examples in training order, and what shaping did.</summary>
/// <param name="Examples">The examples kept.</param>
/// <param name="Report">Counts and warnings.</param>
/// <param name="Pairs">For data loaded as pairs, the pairs whose both halves were kept (<see cref="Examples"/> holds
/// exactly their examples); null for unpaired data.</param>
public sealed record ShapedDataset(IReadOnlyList<TokenizedExample> Examples, DataReport Report, IReadOnlyList<PreferencePair>? Pairs = null);
