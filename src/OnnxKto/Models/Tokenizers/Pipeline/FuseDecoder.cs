namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>Fuse: all tokens joined into one.</summary>
internal sealed class FuseDecoder : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => [string.Concat(tokens)];
}
