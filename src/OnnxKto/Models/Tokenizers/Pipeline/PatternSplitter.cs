using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Split: cuts at the matches of a pattern (Qwen2's and Llama 3's regexes) with a behaviour; Whitespace is one too.</summary>
internal sealed class PatternSplitter(Regex pattern, SplitBehavior behavior, bool invert) : WordSplitter
{
    public override List<string> Split(string piece, bool atStart) => Splitting.Split(piece, pattern, behavior, invert);
}
