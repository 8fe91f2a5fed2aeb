namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Digits, Punctuation and WhitespaceSplit: cuts at characters of a class with a behaviour.</summary>
internal sealed class CharClassSplitter(Func<char, bool> isMatch, SplitBehavior behavior) : WordSplitter
{
    public override List<string> Split(string piece, bool atStart) => Splitting.Split(piece, isMatch, behavior);
}
