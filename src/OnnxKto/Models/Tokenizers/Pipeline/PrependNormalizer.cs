namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Prepends a string (Llama 2's "▁") to every non-empty piece.</summary>
internal sealed class PrependNormalizer(string prefix) : TextNormalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
