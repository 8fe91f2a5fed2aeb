using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Replaces every match of a pattern (Llama 2's " " → "▁").</summary>
internal sealed class ReplaceNormalizer(Regex pattern, string content) : TextNormalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content.Replace("$", "$$"));
}
