namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Strip: removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from every token
/// (Llama 2's decoder drops the ▁ its normalizer put in front, as a space).</summary>
internal sealed class StripDecoder(char content, int start, int stop) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => tokens.Select(Strip).ToList();

    private string Strip(string token)
    {
        int from = 0, to = token.Length;
        while (from < to && from < start && token[from] == content) from++;
        while (to > from && token.Length - to < stop && token[to - 1] == content) to--;
        return token[from..to];
    }
}
