using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// A <c>tokenizer.json</c> normalizer: Sequence, Prepend, Replace, NFC, NFKC, NFD, NFKD, Lowercase, Strip. Hugging
/// Face runs it on each piece of the input between added tokens.
/// </summary>
internal abstract class TextNormalizer
{
    private const string Supported = "Sequence, Prepend, Replace, NFC, NFKC, NFD, NFKD, Lowercase, Strip";

    public abstract string Normalize(string text);

    /// <exception cref="NotSupportedException">A normalizer type or setting this reader does not run, named.</exception>
    public static TextNormalizer Read(JsonFields part) => PipelineJson.Type(part) switch
    {
        "Sequence" => new SequenceNormalizer(PipelineJson.Parts(part, "normalizers").Select(Read).ToArray()),
        "Prepend" => new PrependNormalizer(part.String("prepend")),
        "Replace" => new ReplaceNormalizer(PipelineJson.Pattern(part), part.String("content")),
        "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
        "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
        "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
        "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
        "Lowercase" => new LowercaseNormalizer(),
        "Strip" => new StripNormalizer(part.OptionalBool("strip_left") ?? true, part.OptionalBool("strip_right") ?? true),
        _ => throw PipelineJson.Unsupported(part, "normalizer", Supported),
    };
}
