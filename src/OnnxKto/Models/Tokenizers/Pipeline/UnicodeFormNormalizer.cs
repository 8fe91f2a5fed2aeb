using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// Unicode normalization: NFC, NFKC, NFD or NFKD (Qwen2's tokenizer.json has NFC). The project builds with
/// <c>InvariantGlobalization</c> (no ICU), where .NET leaves non-ASCII text unnormalized: ASCII text (which every form
/// leaves as it is) passes, and other text is refused by name rather than tokenized unlike Hugging Face.
/// </summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm form) : TextNormalizer
{
    /// <summary>Whether this runtime normalizes at all (ICU present, invariant globalization off).</summary>
    private static readonly bool RuntimeNormalizes = "e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9";

    public override string Normalize(string text)
    {
        if (RuntimeNormalizes) return text.Normalize(form);
        if (Ascii.IsValid(text)) return text;
        throw new NotSupportedException(
            $"The tokenizer's {Name} normalizer cannot run on non-ASCII text here: this build runs with InvariantGlobalization (no ICU), which does not normalize Unicode.");
    }

    private string Name => form switch
    {
        NormalizationForm.FormC => "NFC",
        NormalizationForm.FormD => "NFD",
        NormalizationForm.FormKC => "NFKC",
        _ => "NFKD",
    };
}
