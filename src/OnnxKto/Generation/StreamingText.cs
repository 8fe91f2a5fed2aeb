using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>
/// Turns tokens, as they are generated, into the new pieces of text to show: the text so far as the continuation of the
/// prompt (<see cref="ContinuationText"/>), cut before a stop string, minus what was shown. A byte-level token can end
/// inside a UTF-8 character, so a piece waits for the rest of it.
/// </summary>
/// <param name="tokenizer">Decodes the tokens so far.</param>
/// <param name="prompt">The prompt's token ids.</param>
/// <param name="stops">Stop strings, cut from the text (with what follows).</param>
public sealed class StreamingText(ITextTokenizer tokenizer, int[] prompt, IReadOnlyList<string> stops)
{
    private readonly List<int> _tokens = [];

    /// <summary>The text handed out so far.</summary>
    public string Shown { get; private set; } = "";

    /// <summary>Adds a generated token.</summary>
    /// <returns>The text to show now (often one token's), or "" when there is nothing new yet.</returns>
    public string Add(int token)
    {
        _tokens.Add(token);
        var text = StopStringCheck.Cut(ContinuationText.Of(tokenizer, prompt, _tokens), stops);
        if (text.EndsWith('\uFFFD') || !text.StartsWith(Shown, StringComparison.Ordinal)) return "";
        var piece = text[Shown.Length..];
        Shown = text;
        return piece;
    }

    /// <summary>The rest of the text once generation has ended (a trailing partial character included).</summary>
    public string Rest()
    {
        var text = StopStringCheck.Cut(ContinuationText.Of(tokenizer, prompt, _tokens), stops);
        var rest = text.StartsWith(Shown, StringComparison.Ordinal) ? text[Shown.Length..] : "";
        Shown = text;
        return rest;
    }
}
