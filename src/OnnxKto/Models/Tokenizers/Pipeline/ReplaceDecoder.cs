using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Replace: every match of a pattern in each token replaced (Llama 2's "▁" → " ").</summary>
internal sealed class ReplaceDecoder(Regex pattern, string content) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => tokens.Select(t => pattern.Replace(t, content.Replace("$", "$$"))).ToList();
}
