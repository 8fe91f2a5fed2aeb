using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// ByteLevel: optionally a space before the piece (<c>add_prefix_space</c>), GPT-2's split (unless <c>use_regex</c> is
/// false), then each UTF-8 byte written as its <see cref="ByteLevelAlphabet"/> character.
/// </summary>
internal sealed class ByteLevelSplitter(bool addPrefixSpace, bool useRegex) : WordSplitter
{
    /// <summary>GPT-2's pattern, as Hugging Face's ByteLevel pre-tokenizer writes it.</summary>
    public static readonly Regex Gpt2Pattern = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    public override List<string> Split(string piece, bool atStart)
    {
        if (addPrefixSpace && !piece.StartsWith(' ')) piece = " " + piece;
        var words = useRegex ? Splitting.Split(piece, Gpt2Pattern, SplitBehavior.Isolated) : [piece];
        return words.Select(ByteLevelAlphabet.Encode).ToList();
    }
}
