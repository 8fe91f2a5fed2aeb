using System.Text.RegularExpressions;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// What Hugging Face's split does with the matches of a pattern: drop them (Removed), keep each alone (Isolated),
/// glue each to the piece before (MergedWithPrevious) or after (MergedWithNext), or keep runs of them together (Contiguous).
/// </summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

/// <summary>Splitting a piece at the matches of a pattern with a <see cref="SplitBehavior"/>.</summary>
internal static class Splitting
{
    public static SplitBehavior Behavior(JsonFields part, SplitBehavior fallback) =>
        part.OptionalString("behavior") is not { } name ? fallback
        : Enum.TryParse<SplitBehavior>(name, ignoreCase: false, out var behavior) ? behavior
        : throw new NotSupportedException($"{part.Source}: split behavior '{name}' is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous.");

    /// <summary>The pieces of <paramref name="text"/> around the matches of <paramref name="pattern"/> (the gaps, when inverted).</summary>
    public static List<string> Split(string text, Regex pattern, SplitBehavior behavior, bool invert = false)
    {
        // (start, length, isMatch) spans covering the text in order.
        var spans = new List<(int Start, int Length, bool Match)>();
        int at = 0;
        foreach (Match m in pattern.Matches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > at) spans.Add((at, m.Index - at, invert));
            spans.Add((m.Index, m.Length, !invert));
            at = m.Index + m.Length;
        }
        if (at < text.Length) spans.Add((at, text.Length - at, invert));
        return Apply(text, spans, behavior);
    }

    /// <summary>The pieces of <paramref name="text"/> where each character for which <paramref name="isMatch"/> holds is a match.</summary>
    public static List<string> Split(string text, Func<char, bool> isMatch, SplitBehavior behavior)
    {
        var spans = new List<(int Start, int Length, bool Match)>();
        for (int i = 0; i < text.Length; i++)
        {
            // A surrogate pair is one character.
            int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            spans.Add((i, width, isMatch(text[i])));
            i += width - 1;
        }
        // Consecutive non-matches are one piece.
        var merged = new List<(int Start, int Length, bool Match)>();
        foreach (var s in spans)
            if (merged.Count > 0 && !s.Match && !merged[^1].Match) merged[^1] = (merged[^1].Start, merged[^1].Length + s.Length, false);
            else merged.Add(s);
        return Apply(text, merged, behavior);
    }

    private static List<string> Apply(string text, List<(int Start, int Length, bool Match)> spans, SplitBehavior behavior)
    {
        var pieces = new List<(int Start, int Length)>();
        bool previousMatch = false, glueNext = false;
        foreach (var (start, length, match) in spans)
        {
            switch (behavior)
            {
                case SplitBehavior.Removed when match:
                    break;
                case SplitBehavior.MergedWithPrevious when match && pieces.Count > 0 && !previousMatch:
                case SplitBehavior.Contiguous when match && previousMatch:
                    pieces[^1] = (pieces[^1].Start, pieces[^1].Length + length);
                    break;
                default:
                    if (glueNext && !match) pieces[^1] = (pieces[^1].Start, pieces[^1].Length + length);
                    else pieces.Add((start, length));
                    break;
            }
            glueNext = behavior == SplitBehavior.MergedWithNext && match;
            previousMatch = match;
        }
        return pieces.Select(p => text.Substring(p.Start, p.Length)).ToList();
    }
}
