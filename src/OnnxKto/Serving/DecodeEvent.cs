using OnnxKto.Generation;

namespace OnnxKto.Serving;

/// <summary>What the decoding thread reports for one choice of a request: a new token, or the end of the choice.</summary>
/// <param name="Choice">The choice's index (OpenAI's <c>choices[].index</c>).</param>
/// <param name="Token">The new token id (when <paramref name="Ids"/> is null).</param>
/// <param name="Ids">Every generated token id, when the choice has finished; else null.</param>
/// <param name="Reason">Why the choice finished (meaningful when <paramref name="Ids"/> is set).</param>
public readonly record struct DecodeEvent(int Choice, int Token, int[]? Ids, FinishReason Reason)
{
    /// <summary>True when this event ends its choice.</summary>
    public bool Finished => Ids is not null;
}
