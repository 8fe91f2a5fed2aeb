using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxKto.Data.ChatTemplates.Jinja;
using OnnxKto.Models;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// Where a conversation's chat template comes from: a built-in chosen by name (<c>chat_template</c> key), or the model
/// folder's own Jinja template (<c>chat_template.jinja</c>, else <c>chat_template</c> in <c>tokenizer_config.json</c>),
/// run by <see cref="JinjaChatTemplate"/> with the folder's special tokens, as transformers does.
/// </summary>
public static class ChatTemplateCatalog
{
    /// <summary>Names accepted by <see cref="ByName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama3", "zephyr", "mistral"];

    private static readonly string[] SpecialTokenKeys =
        ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    /// <summary>The built-in template called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UserError">No built-in template has that name.</exception>
    public static ChatTemplate ByName(string name) => name.ToLowerInvariant() switch
    {
        "chatml" => new ChatMLTemplate(),
        "llama3" => new Llama3Template(),
        "zephyr" => new ZephyrTemplate(),
        "mistral" => new MistralTemplate(),
        _ => throw new UserError($"Unknown chat_template '{name}'. Built-in templates: {string.Join(", ", Names)}; leave it unset to use the model folder's own template."),
    };

    /// <summary>
    /// The template for conversational rows, decided in this one place for every command: the configured
    /// <c>chat_template</c> name when set, else the model folder's own (<see cref="FromTokenizerFolder"/>), else none
    /// (no folder, or a preset, which has no tokenizer_config.json).
    /// </summary>
    /// <param name="name">The configured <c>chat_template</c> (or <c>--chat-template</c>), or null.</param>
    /// <param name="modelFolder">The model or tokenizer folder, <c>preset:NAME</c>, or null.</param>
    /// <param name="kwargs">The <c>chat_template_kwargs</c> (extra variables of a folder's template), or null.</param>
    /// <returns>The template, or null when neither names one.</returns>
    /// <exception cref="UserError">No built-in template has that name, or the folder's template cannot be parsed.</exception>
    public static ChatTemplate? Resolve(string? name, string? modelFolder, IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        if (name is not null) return ByName(name);
        return modelFolder is null || Presets.IsPreset(modelFolder) ? null : FromTokenizerFolder(modelFolder, kwargs);
    }

    /// <summary>
    /// The Jinja template of a Hugging Face tokenizer folder: <c>chat_template.jinja</c> if present, else the
    /// <c>chat_template</c> of <c>tokenizer_config.json</c> (a string, or a list of named templates whose
    /// <c>default</c> is used), with the special tokens of <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c>.
    /// </summary>
    /// <param name="folder">A model or tokenizer folder.</param>
    /// <param name="kwargs">Extra render variables (<c>chat_template_kwargs</c>), or null.</param>
    /// <returns>The template, or null when the folder declares none.</returns>
    /// <exception cref="InvalidDataException"><c>tokenizer_config.json</c> is not valid JSON, or its template list has no <c>default</c>.</exception>
    /// <exception cref="JinjaException">The template does not parse (the message names the file and line).</exception>
    public static JinjaChatTemplate? FromTokenizerFolder(string folder, IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        var configFile = Path.Combine(folder, "tokenizer_config.json");
        var config = ReadJson(configFile);
        var tokens = SpecialTokens(config, ReadJson(Path.Combine(folder, "special_tokens_map.json")));
        var variables = kwargs is null ? null : JsonSerializer.SerializeToNode(kwargs)!.AsObject();
        var jinjaFile = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(jinjaFile))
            return new JinjaChatTemplate(JinjaTemplate.Parse(File.ReadAllText(jinjaFile), jinjaFile), tokens, variables);
        var source = config?["chat_template"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => (Text: v.GetValue<string>(), Name: $"{configFile} (chat_template)"),
            JsonArray named => (Text: Default(named, configFile), Name: $"{configFile} (chat_template 'default')"),
            null => default,
            var other => throw new InvalidDataException($"{configFile}: chat_template is {other.GetValueKind()}, not a string or a list of {{name, template}}."),
        };
        return source.Text is null ? null : new JinjaChatTemplate(JinjaTemplate.Parse(source.Text, source.Name), tokens, variables);
    }

    // transformers picks 'default' when no tools are passed (and 'tool_use' only with tools, which rows do not carry).
    private static string Default(JsonArray named, string configFile)
    {
        var entries = named.OfType<JsonObject>().ToList();
        var entry = entries.FirstOrDefault(t => (string?)t["name"] == "default")
            ?? throw new InvalidDataException($"{configFile}: chat_template lists templates named {string.Join(", ", entries.Select(t => $"'{t["name"]}'"))} but none is 'default', the one transformers uses without tools.");
        return entry["template"]?.GetValue<string>() ?? throw new InvalidDataException($"{configFile}: the 'default' chat_template has no 'template' text.");
    }

    private static JsonObject? ReadJson(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(file)) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON ({e.Message}).");
        }
    }

    // transformers' special_tokens_map: each token's text (a string, or an AddedToken's "content"); tokens that are
    // null are left out, so the template sees them as undefined. tokenizer_config.json wins over special_tokens_map.json.
    private static JsonObject SpecialTokens(JsonObject? config, JsonObject? map)
    {
        var tokens = new JsonObject();
        foreach (var key in SpecialTokenKeys)
            if ((TokenText(config?[key]) ?? TokenText(map?[key])) is { } text) tokens[key] = text;
        var additional = (config?["additional_special_tokens"] ?? map?["additional_special_tokens"]) as JsonArray;
        if (additional is { Count: > 0 })
            tokens["additional_special_tokens"] = new JsonArray(additional.Select(t => (JsonNode?)TokenText(t)).Where(t => t is not null).ToArray());
        return tokens;
    }

    private static string? TokenText(JsonNode? token) => token switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => (string?)o["content"],
        _ => null,
    };
}
