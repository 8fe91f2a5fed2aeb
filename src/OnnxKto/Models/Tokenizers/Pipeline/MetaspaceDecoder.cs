namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Metaspace: ▁ back to spaces, and the space the pre-tokenizer put in front of the first token removed
/// (unless its prepend_scheme is "never").</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) =>
        tokens.Select((t, i) =>
        {
            var text = t.Replace(replacement, ' ');
            return i == 0 && scheme != PrependScheme.Never && text.StartsWith(' ') ? text[1..] : text;
        }).ToList();
}
