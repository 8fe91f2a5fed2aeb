namespace OnnxKto.Data;

/// <summary>
/// Token lengths of prompt+completion before truncation, as nearest-rank percentiles (the smallest length that at least
/// p% of the examples do not exceed), and what max_length would do to them.
/// </summary>
/// <param name="P50">Median length.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Longest example.</param>
/// <param name="WouldDrop">Examples max_length would drop (prompt alone reaches it).</param>
/// <param name="WouldCut">Examples max_length (and max_prompt_length) would truncate.</param>
public sealed record TokenLengthStats(int P50, int P90, int P99, int Max, int WouldDrop, int WouldCut);
