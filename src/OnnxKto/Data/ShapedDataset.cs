namespace OnnxKto.Data;

/// <summary>A dataset ready for training: tokenized, truncated examples in training order, and what shaping did.</summary>
/// <param name="Examples">The examples kept.</param>
/// <param name="Report">Counts and warnings.</param>
public sealed record ShapedDataset(IReadOnlyList<TokenizedExample> Examples, DataReport Report);
