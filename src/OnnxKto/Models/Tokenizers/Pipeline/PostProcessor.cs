using System.Text.Json;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// What a <c>tokenizer.json</c> post-processor adds when transformers encodes with special tokens: a leading special
/// token (Llama 3's <c>TemplateProcessing</c> puts BOS first) or nothing (<c>ByteLevel</c>, which only trims offsets),
/// possibly in a <c>Sequence</c>. Anything else is refused by name.
/// </summary>
internal static class PostProcessor
{
    /// <summary>The text of the special token the post-processor puts before the text, or null when it adds none.</summary>
    /// <exception cref="NotSupportedException">A post-processor that adds something else (tokens after the text, a pair template's extras).</exception>
    public static string? LeadingToken(JsonFields post) => PipelineJson.Type(post) switch
    {
        "ByteLevel" => null,
        "Sequence" => PipelineJson.Parts(post, "processors").Select(LeadingToken).LastOrDefault(t => t is not null),
        "TemplateProcessing" => Template(post),
        _ => throw PipelineJson.Unsupported(post, "post-processor", "TemplateProcessing (special tokens before $A), ByteLevel, Sequence"),
    };

    private static string? Template(JsonFields post)
    {
        if (!post.TryGet("single", out var single) || single.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{post.Source}: TemplateProcessing needs a 'single' list.");
        var items = single.EnumerateArray().ToArray();
        int sequence = Array.FindIndex(items, i => i.TryGetProperty("Sequence", out _));
        if (sequence < 0 || sequence > 1 || sequence != items.Length - 1)
            throw new NotSupportedException($"{post.Source}: TemplateProcessing 'single' {single.GetRawText()} is not supported: only one special token before $A (Llama 3's BOS) is.");
        if (sequence == 0) return null;
        return items[0].TryGetProperty("SpecialToken", out var token) && token.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : throw new InvalidDataException($"{post.Source}: TemplateProcessing 'single'[0] needs a SpecialToken with a string 'id'.");
    }
}
