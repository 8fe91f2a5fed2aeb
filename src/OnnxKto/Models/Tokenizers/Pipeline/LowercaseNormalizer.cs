namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Lowercases with Unicode's default (culture-invariant) mapping, as Rust's <c>to_lowercase</c> does.</summary>
internal sealed class LowercaseNormalizer : TextNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}
