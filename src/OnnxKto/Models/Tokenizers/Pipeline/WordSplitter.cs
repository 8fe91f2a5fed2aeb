namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// A <c>tokenizer.json</c> pre-tokenizer: ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace,
/// WhitespaceSplit, Sequence. It cuts each piece of normalized text into words (and may rewrite them, as ByteLevel
/// and Metaspace do); the model then encodes each word alone.
/// </summary>
internal abstract class WordSplitter
{
    private const string Supported = "ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit, Sequence";

    /// <summary>The words of <paramref name="piece"/>; <paramref name="atStart"/> when it begins the input (Metaspace's prepend_scheme "first").</summary>
    public abstract List<string> Split(string piece, bool atStart);

    /// <exception cref="NotSupportedException">A pre-tokenizer type or setting this reader does not run, named.</exception>
    public static WordSplitter Read(JsonFields part) => PipelineJson.Type(part) switch
    {
        "Sequence" => new SequenceSplitter(PipelineJson.Parts(part, "pretokenizers").Select(Read).ToArray()),
        "ByteLevel" => new ByteLevelSplitter(part.OptionalBool("add_prefix_space") ?? true, part.OptionalBool("use_regex") ?? true),
        "Split" => new PatternSplitter(PipelineJson.Pattern(part), Splitting.Behavior(part, SplitBehavior.Isolated), part.OptionalBool("invert") ?? false),
        "Metaspace" => MetaspaceSplitter.Read(part),
        "Digits" => new CharClassSplitter(char.IsDigit, (part.OptionalBool("individual_digits") ?? false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous),
        "Punctuation" => new CharClassSplitter(c => char.IsPunctuation(c) || char.IsAscii(c) && char.IsSymbol(c), Splitting.Behavior(part, SplitBehavior.Isolated)),
        "Whitespace" => new PatternSplitter(new(@"\w+|[^\w\s]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant), SplitBehavior.Removed, invert: true),
        "WhitespaceSplit" => new CharClassSplitter(char.IsWhiteSpace, SplitBehavior.Removed),
        _ => throw PipelineJson.Unsupported(part, "pre-tokenizer", Supported),
    };
}
