namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Decoders applied in order.</summary>
internal sealed class SequenceDecoder(TokenDecoder[] parts) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => parts.Aggregate(tokens, (t, d) => d.Decode(t));
}
