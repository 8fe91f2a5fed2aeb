namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Normalizers applied in order.</summary>
internal sealed class SequenceNormalizer(TextNormalizer[] parts) : TextNormalizer
{
    public override string Normalize(string text) => parts.Aggregate(text, (t, n) => n.Normalize(t));
}
