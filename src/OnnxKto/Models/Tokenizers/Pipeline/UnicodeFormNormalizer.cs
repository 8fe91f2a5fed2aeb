using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Unicode normalization: NFC, NFKC, NFD or NFKD.</summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm form) : TextNormalizer
{
    public override string Normalize(string text) => text.Normalize(form);
}
