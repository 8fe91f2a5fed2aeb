using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Hugging Face's pre-tokenizer pipeline as a chain of "isolated" regex splits: special tokens are cut out first and
/// never split further; then each stage splits every remaining piece into its regex matches and the gaps between them.
/// One stage is GPT-2's byte-level split, Qwen2's or Llama 3's <c>Split</c> pattern, or SmolLM's <c>Digits</c>.
/// </summary>
internal sealed class SplitChainPreTokenizer : PreTokenizer
{
    private readonly Regex? _special;
    private readonly Regex[] _stages;

    public SplitChainPreTokenizer(IEnumerable<string> specialTokens, IEnumerable<Regex> stages)
    {
        // Longest first, so that "<|im_end|>" wins over a hypothetical "<|im".
        var specials = specialTokens.OrderByDescending(s => s.Length).Select(Regex.Escape).ToArray();
        _special = specials.Length == 0 ? null : new Regex(string.Join("|", specials), RegexOptions.CultureInvariant);
        _stages = stages.ToArray();
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        var pieces = new List<(int Offset, int Length)>();
        int start = 0;
        foreach (Match m in _special?.Matches(text) ?? (IEnumerable<Match>)[])
        {
            Split(text, start, m.Index - start, 0, pieces);
            pieces.Add((m.Index, m.Length));
            start = m.Index + m.Length;
        }
        Split(text, start, text.Length - start, 0, pieces);
        return pieces;
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => PreTokenize(text.ToString());

    private void Split(string text, int offset, int length, int stage, List<(int, int)> pieces)
    {
        if (length == 0)
            return;
        if (stage == _stages.Length)
        {
            pieces.Add((offset, length));
            return;
        }
        // Matching within the piece only: lookaheads such as \s+(?!\S) must see the piece's end as the text's end.
        string piece = text.Substring(offset, length);
        int at = 0;
        foreach (Match m in _stages[stage].Matches(piece))
        {
            if (m.Length == 0)
                continue;
            Split(text, offset + at, m.Index - at, stage + 1, pieces);
            Split(text, offset + m.Index, m.Length, stage + 1, pieces);
            at = m.Index + m.Length;
        }
        Split(text, offset + at, length - at, stage + 1, pieces);
    }
}
