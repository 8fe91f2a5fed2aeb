using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnnxKto.Models;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// The built-in chat templates, chosen by name (<c>chat_template</c> key) or recognised from a Jinja template string
/// such as a tokenizer folder's <c>tokenizer_config.json</c> <c>chat_template</c>.
/// </summary>
public static partial class ChatTemplateCatalog
{
    /// <summary>Names accepted by <see cref="ByName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama3", "zephyr", "mistral"];

    /// <summary>The built-in template called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UserError">No built-in template has that name.</exception>
    public static ChatTemplate ByName(string name) => name.ToLowerInvariant() switch
    {
        "chatml" => new ChatMLTemplate(),
        "llama3" => new Llama3Template(),
        "zephyr" => new ZephyrTemplate(),
        "mistral" => new MistralTemplate(),
        _ => throw new UserError($"Unknown chat_template '{name}'. Built-in templates: {string.Join(", ", Names)}."),
    };

    /// <summary>
    /// The template for conversational rows, decided in this one place for every command: the configured
    /// <c>chat_template</c> name when set, else the one the model folder declares (<see cref="FromTokenizerFolder"/>),
    /// else none (no folder, or a preset, which has no tokenizer_config.json).
    /// </summary>
    /// <param name="name">The configured <c>chat_template</c> (or <c>--chat-template</c>), or null.</param>
    /// <param name="modelFolder">The model or tokenizer folder, <c>preset:NAME</c>, or null.</param>
    /// <returns>The template, or null when neither names one.</returns>
    /// <exception cref="ArgumentException">No built-in template has that name.</exception>
    /// <exception cref="NotSupportedException">The folder's template is not one the built-ins reproduce.</exception>
    public static ChatTemplate? Resolve(string? name, string? modelFolder)
    {
        if (name is not null) return ByName(name);
        return modelFolder is null || Presets.IsPreset(modelFolder) ? null : FromTokenizerFolder(modelFolder);
    }

    /// <summary>
    /// The built-in template that renders like <paramref name="jinja"/>, recognised by distinctive markers:
    /// <c>&lt;|im_start|&gt;</c> (ChatML, with its default system message if it adds one), <c>&lt;|start_header_id|&gt;</c>
    /// (Llama 3), <c>&lt;|user|&gt;</c> with <c>eos_token</c> (Zephyr), <c>[INST]</c> (Mistral).
    /// </summary>
    /// <param name="jinja">A Jinja chat template source.</param>
    /// <param name="source">Where it came from, for the error message.</param>
    /// <exception cref="NotSupportedException">No built-in template renders like it; the message says how to choose one.</exception>
    public static ChatTemplate Recognize(string jinja, string source)
    {
        string Unsupported(string what) =>
            $"The chat template in {source} {what}, which no built-in template reproduces exactly. Set chat_template to one of {string.Join(", ", Names)} if one of those is what the model was trained with.";
        if (jinja.Contains("<|start_header_id|>"))
        {
            return jinja.Contains("Cutting Knowledge Date")
                ? throw new NotSupportedException(Unsupported("is a Llama 3.1+ template (it adds a 'Cutting Knowledge Date' system header)"))
                : new Llama3Template();
        }
        if (jinja.Contains("<|im_start|>"))
        {
            if (jinja.Contains("<think>")) throw new NotSupportedException(Unsupported("handles <think> reasoning blocks"));
            var system = DefaultSystem().Match(jinja);
            return new ChatMLTemplate(system.Success ? system.Groups[1].Value : null);
        }
        if (jinja.Contains("<|user|>") && jinja.Contains("eos_token")) return new ZephyrTemplate();
        if (jinja.Contains("[INST]"))
        {
            return jinja.Contains("<<SYS>>")
                ? throw new NotSupportedException(Unsupported("is a Llama 2 template (<<SYS>> blocks)"))
                : new MistralTemplate();
        }
        throw new NotSupportedException(Unsupported("has none of the markers <|im_start|>, <|start_header_id|>, <|user|>, [INST]"));
    }

    /// <summary>
    /// The template of a Hugging Face tokenizer folder: <c>chat_template.jinja</c> if present, else the
    /// <c>chat_template</c> of <c>tokenizer_config.json</c> (a string, or a list whose <c>default</c> entry is used).
    /// </summary>
    /// <param name="folder">A model or tokenizer folder.</param>
    /// <returns>The recognised template, or null when the folder declares none.</returns>
    /// <exception cref="NotSupportedException">The declared template is not one the built-ins reproduce.</exception>
    /// <exception cref="InvalidDataException"><c>tokenizer_config.json</c> is not valid JSON.</exception>
    public static ChatTemplate? FromTokenizerFolder(string folder)
    {
        var jinjaFile = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(jinjaFile)) return Recognize(File.ReadAllText(jinjaFile), jinjaFile);
        var configFile = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(configFile)) return null;
        JsonNode? config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(configFile));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configFile}: not valid JSON ({e.Message}).");
        }
        var template = config?["chat_template"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonArray named => named.OfType<JsonObject>().FirstOrDefault(t => (string?)t["name"] == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
        return template is null ? null : Recognize(template, configFile);
    }

    // The literal text of a default system turn, e.g. '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n'
    // (Jinja sources write the newline either as an escape or as a real newline).
    [GeneratedRegex(@"<\|im_start\|>system(?:\\n|\n)([^'""<{}]+)<\|im_end\|>")]
    private static partial Regex DefaultSystem();
}
