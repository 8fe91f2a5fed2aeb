using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>ByteLevel: every token's characters back to bytes (a token with a character outside the table keeps its
/// own UTF-8), the bytes decoded as UTF-8 with U+FFFD for invalid sequences.</summary>
internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override List<string> Decode(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var mapped = new byte[token.Length];
            bool all = true;
            for (int i = 0; i < token.Length && all; i++) all = ByteLevelAlphabet.TryByte(token[i], out mapped[i]);
            bytes.AddRange(all ? mapped : Encoding.UTF8.GetBytes(token));
        }
        return [Encoding.UTF8.GetString([.. bytes])];
    }
}
