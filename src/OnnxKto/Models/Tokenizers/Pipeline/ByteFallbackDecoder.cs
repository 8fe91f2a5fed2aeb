using System.Globalization;
using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>ByteFallback: each run of <c>&lt;0xNN&gt;</c> tokens becomes the text of its bytes, or one U+FFFD per byte
/// when they are not valid UTF-8 (Hugging Face); sentencepiece's own decoder replaces only the invalid sequences
/// (<paramref name="replaceInvalidOnly"/>).</summary>
internal sealed class ByteFallbackDecoder(bool replaceInvalidOnly = false) : TokenDecoder
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override List<string> Decode(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token is ['<', '0', 'x', _, _, '>'] && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
            {
                pending.Add(b);
                continue;
            }
            Flush(pending, output);
            output.Add(token);
        }
        Flush(pending, output);
        return output;
    }

    private void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0) return;
        if (replaceInvalidOnly)
        {
            output.Add(Encoding.UTF8.GetString([.. pending]));
            pending.Clear();
            return;
        }
        try
        {
            output.Add(Strict.GetString([.. pending]));
        }
        catch (DecoderFallbackException)
        {
            output.Add(new string('\uFFFD', pending.Count));
        }
        pending.Clear();
    }
}
