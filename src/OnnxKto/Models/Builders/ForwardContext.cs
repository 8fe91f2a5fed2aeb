using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>Values every layer of one forward graph shares, computed once before the first layer.</summary>
/// <param name="BatchSeq">Shape tensor [batch, seq] of input_ids, for reshaping rows back into sequences.</param>
/// <param name="Positions">Position of each token, int64 (batch, seq).</param>
/// <param name="AttentionBias">Of full-attention layers: 0 where query i may attend key j, a large negative number elsewhere: (batch, 1, seq, past+seq).</param>
/// <param name="Rotary">cos and sin tables (batch, 1, seq, head_dim) for rotary families; null otherwise.</param>
/// <param name="KvCache">Whether layers read past keys/values and write present ones.</param>
public sealed record ForwardContext(Value BatchSeq, Value Positions, Value AttentionBias, (Value Cos, Value Sin)? Rotary, bool KvCache)
{
    /// <summary>
    /// The bias of sliding-window layers: <see cref="AttentionBias"/> and, besides, query position − key position &lt;
    /// <see cref="ModelConfig.SlidingWindow"/>; null when no layer slides.
    /// </summary>
    public Value? SlidingAttentionBias { get; init; }

    /// <summary>cos and sin tables of the sliding-window layers when their rotary base differs (Gemma 3); null otherwise.</summary>
    public (Value Cos, Value Sin)? LocalRotary { get; init; }
}
