namespace OnnxKto.Generation;

/// <summary>Why a sequence stopped decoding (OpenAI's <c>finish_reason</c> for the first two).</summary>
public enum FinishReason
{
    /// <summary>EOS or a stop string (<c>"stop"</c>).</summary>
    Stop,

    /// <summary>The most new tokens, or the model's context length (<c>"length"</c>).</summary>
    Length,

    /// <summary>Its <see cref="DecodeRequest.Cancellation"/> fired (a client went away).</summary>
    Cancelled,
}
