using System.Text.Json;
using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// What a tokenizer folder says about added and special tokens, gathered from <c>tokenizer.json</c> (<c>added_tokens</c>,
/// <c>post_processor</c>), <c>tokenizer_config.json</c> (<c>added_tokens_decoder</c>, <c>eos_token</c>, <c>bos_token</c>,
/// <c>pad_token</c>, <c>add_bos_token</c>), <c>special_tokens_map.json</c> and <c>config.json</c> (<c>*_token_id</c>).
/// Earlier files in that list win.
/// </summary>
internal sealed class TokenizerSettings
{
    /// <summary>Added tokens by text: matched whole in the input before any splitting.</summary>
    public Dictionary<string, int> AddedTokens { get; } = new(StringComparer.Ordinal);

    public string? EosToken { get; private set; }
    public string? BosToken { get; private set; }
    public string? PadToken { get; private set; }
    public int? EosId { get; private set; }
    public int? BosId { get; private set; }
    public int? PadId { get; private set; }

    /// <summary>The tokenizer prepends BOS (<c>add_bos_token: true</c>, or a <c>TemplateProcessing</c> that starts with it).</summary>
    public bool AddBos { get; private set; }

    /// <summary>The files consulted, for error messages.</summary>
    public static readonly string[] Files = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json"];

    public static TokenizerSettings Read(string folder, JsonFields? tokenizerJson)
    {
        var settings = new TokenizerSettings();
        if (tokenizerJson is not null)
            settings.ReadTokenizerJson(tokenizerJson);
        if (Optional(folder, "tokenizer_config.json") is { } config)
        {
            settings.ReadAddedTokensDecoder(config);
            settings.ReadTokenTexts(config);
            if (config.OptionalBool("add_bos_token") is { } addBos)
                settings.AddBos = addBos;
        }
        if (Optional(folder, "special_tokens_map.json") is { } map)
            settings.ReadTokenTexts(map);
        if (Optional(folder, "config.json") is { } model)
        {
            settings.EosId = model.OptionalFirstInt("eos_token_id");
            settings.BosId = model.OptionalFirstInt("bos_token_id");
            settings.PadId = model.OptionalFirstInt("pad_token_id");
        }
        return settings;
    }

    private static JsonFields? Optional(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        return File.Exists(path) ? JsonFields.Load(path) : null;
    }

    private void ReadTokenizerJson(JsonFields json)
    {
        if (json.TryGet("added_tokens", out var added))
        {
            foreach (var token in added.EnumerateArray())
            {
                if (!token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
                    || !token.TryGetProperty("id", out var id) || !id.TryGetInt32(out int value))
                    throw new InvalidDataException($"{json.Source}: added token {token.GetRawText()} needs a string 'content' and an integer 'id'.");
                AddedTokens[content.GetString()!] = value;
            }
        }
        // Llama 3 adds BOS through its post-processor rather than add_bos_token.
        if (json.OptionalObject("post_processor") is { } post && PostProcessor.LeadingToken(post) is { } bos)
        {
            AddBos = true;
            BosToken = bos;
        }
    }

    private void ReadAddedTokensDecoder(JsonFields config)
    {
        if (config.OptionalObject("added_tokens_decoder") is not { } decoder)
            return;
        foreach (var entry in decoder.Properties)
        {
            if (!int.TryParse(entry.Name, out int id) || entry.Value.ValueKind != JsonValueKind.Object
                || !entry.Value.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{decoder.Source}: entry '{entry.Name}' must map an integer id to {{\"content\": \"...\"}}.");
            AddedTokens.TryAdd(content.GetString()!, id);
        }
    }

    private void ReadTokenTexts(JsonFields json)
    {
        EosToken ??= TokenText(json, "eos_token");
        BosToken ??= TokenText(json, "bos_token");
        PadToken ??= TokenText(json, "pad_token");
    }

    /// <summary>A token written as a string or as an AddedToken object (<c>{"content": "&lt;/s&gt;", ...}</c>).</summary>
    private static string? TokenText(JsonFields json, string key)
    {
        if (!json.TryGet(key, out var v))
            return null;
        if (v.ValueKind == JsonValueKind.String)
            return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            return content.GetString();
        throw json.WrongType(key, "a token string or {\"content\": \"...\"}", v);
    }
}
