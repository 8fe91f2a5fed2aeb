namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// The text that token ids add after a prompt: decode(prompt + ids) minus decode(prompt). Decoding the ids alone is
/// not the same: SentencePiece drops the leading space of the first piece (<c>▁there</c> alone decodes to "there"),
/// and a byte-level token may finish a character the prompt began. Written as the completion of a sample, this is
/// the text that prompt + completion re-tokenizes from.
/// </summary>
public static class ContinuationText
{
    /// <summary>The text <paramref name="ids"/> add after <paramref name="prompt"/>.</summary>
    /// <param name="tokenizer">The tokenizer that made both.</param>
    /// <param name="prompt">The prompt's ids, as the model saw them (BOS included).</param>
    /// <param name="ids">The ids that follow, e.g. the sampled completion.</param>
    /// <returns>The continuation; the ids decoded alone when the prompt's text is not a prefix of the whole (a
    /// prompt that ends inside a UTF-8 character).</returns>
    public static string Of(ITextTokenizer tokenizer, IReadOnlyList<int> prompt, IReadOnlyList<int> ids)
    {
        if (prompt.Count == 0) return tokenizer.Decode(ids);
        string before = tokenizer.Decode(prompt);
        string whole = tokenizer.Decode([.. prompt, .. ids]);
        return whole.StartsWith(before, StringComparison.Ordinal) ? whole[before.Length..] : tokenizer.Decode(ids);
    }
}
