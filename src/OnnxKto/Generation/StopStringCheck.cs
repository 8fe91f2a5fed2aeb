using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>
/// Whether generated tokens' text holds a stop string. A stop string can span tokens or end inside one, so the check
/// decodes the text rather than matching token ids (as Hugging Face's <c>StopStringCriteria</c> does).
/// </summary>
internal sealed class StopStringCheck(ITextTokenizer tokenizer, IReadOnlyList<string> stops)
{
    /// <summary>True when the text of <paramref name="tokens"/> holds one of the stop strings.</summary>
    public bool Found(IReadOnlyList<int> tokens)
    {
        var text = tokenizer.Decode(tokens);
        return stops.Any(stop => text.Contains(stop, StringComparison.Ordinal));
    }

    /// <summary><paramref name="text"/> up to the earliest stop string it holds (the stop string and what follows removed).</summary>
    public static string Cut(string text, IReadOnlyList<string> stops)
    {
        int end = text.Length;
        foreach (var stop in stops)
            if (text.IndexOf(stop, StringComparison.Ordinal) is >= 0 and var at && at < end) end = at;
        return text[..end];
    }
}
