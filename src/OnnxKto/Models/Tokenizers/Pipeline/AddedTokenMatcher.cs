namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// Cuts text at added tokens, leftmost first and longest at each place, as Hugging Face's added vocabulary does.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens) =>
        _byFirstChar = tokens.Where(t => t.Content.Length > 0).GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());

    /// <summary>The pieces of <paramref name="text"/>: (text, start, null) between tokens and (content, start, id) for each token.</summary>
    public List<(string Text, int Start, int? Id)> Split(string text)
    {
        var pieces = new List<(string, int, int?)>();
        int from = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_byFirstChar.TryGetValue(text[i], out var candidates)) continue;
            var token = candidates.FirstOrDefault(t => string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) == 0
                                                       && (!t.SingleWord || StandsAlone(text, i, i + t.Content.Length)));
            if (token is null) continue;
            int start = i, end = i + token.Content.Length;
            if (token.LStrip) while (start > from && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > from) pieces.Add((text[from..start], from, null));
            pieces.Add((token.Content, start, token.Id));
            from = end;
            i = end - 1;
        }
        if (from < text.Length) pieces.Add((text[from..], from, null));
        return pieces;
    }

    private static bool StandsAlone(string text, int start, int end) =>
        (start == 0 || !IsWordChar(text[start - 1])) && (end == text.Length || !IsWordChar(text[end]));

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
