using System.Text.Json;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// An entry of <c>tokenizer.json</c>'s <c>added_tokens</c>: matched whole in the input before the model sees it.
/// <c>normalized</c> tokens are matched in the normalized text, the others in the raw text; <c>lstrip</c>/<c>rstrip</c>
/// take the whitespace on that side with them; a <c>single_word</c> token matches only between non-word characters.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool Normalized, bool SingleWord)
{
    public static AddedToken Read(JsonFields token)
    {
        bool special = token.OptionalBool("special") ?? false;
        return new AddedToken(token.Int("id"), token.String("content"), special, token.OptionalBool("lstrip") ?? false,
            token.OptionalBool("rstrip") ?? false, token.OptionalBool("normalized") ?? !special, token.OptionalBool("single_word") ?? false);
    }

    /// <summary>The <c>added_tokens</c> list of a <c>tokenizer.json</c>.</summary>
    public static List<AddedToken> ReadAll(JsonFields json)
    {
        var tokens = new List<AddedToken>();
        if (!json.TryGet("added_tokens", out var list)) return tokens;
        if (list.ValueKind != JsonValueKind.Array) throw json.WrongType("added_tokens", "a list", list);
        int i = 0;
        foreach (var item in list.EnumerateArray())
            tokens.Add(Read(new JsonFields(item, $"{json.Source} ['added_tokens'][{i++}]")));
        return tokens;
    }
}
