using System.Text.Json.Nodes;
using OnnxKto.Data.ChatTemplates.Jinja;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// A model folder's own Jinja chat template, rendered as transformers' <c>apply_chat_template(tokenize=False)</c>
/// renders it: variables <c>messages</c>, <c>tools</c>, <c>documents</c> (none), <c>add_generation_prompt</c>, the
/// tokenizer's special tokens (<c>bos_token</c>, <c>eos_token</c>, ...; a token the tokenizer lacks is undefined, as
/// in transformers) and extra variables such as <c>enable_thinking</c> (the <c>chat_template_kwargs</c> config key).
/// </summary>
public sealed class JinjaChatTemplate : ChatTemplate
{
    private readonly JsonObject? _specialTokens;
    private readonly JsonObject _kwargs;

    /// <summary>A template with its render variables.</summary>
    /// <param name="template">The parsed template.</param>
    /// <param name="specialTokens">The tokenizer's special tokens by variable name (<c>bos_token</c>: <c>&lt;s&gt;</c>),
    /// as transformers' <c>special_tokens_map</c>; null to take BOS and EOS from the tokenizer at each render.</param>
    /// <param name="kwargs">Extra variables (<c>chat_template_kwargs</c>), e.g. <c>{"enable_thinking": false}</c>; null for none.</param>
    public JinjaChatTemplate(JinjaTemplate template, JsonObject? specialTokens = null, JsonObject? kwargs = null)
    {
        Template = template;
        _specialTokens = specialTokens;
        _kwargs = kwargs ?? [];
    }

    /// <summary>The parsed template.</summary>
    public JinjaTemplate Template { get; }

    /// <summary>The clock <c>strftime_now</c> reads (local time, as transformers; tests freeze it).</summary>
    public Func<DateTime> Clock { get; init; } = () => DateTime.Now;

    /// <inheritdoc/>
    public override string Name => Template.Name;

    /// <summary>The special tokens this template renders with (null when they come from the tokenizer).</summary>
    public JsonObject? SpecialTokens => _specialTokens;

    /// <summary>The extra variables (<c>chat_template_kwargs</c>).</summary>
    public JsonObject Kwargs => _kwargs;

    /// <inheritdoc/>
    public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var json = new JsonArray(messages.Select(m => (JsonNode)(m.Fields?.DeepClone() ?? new JsonObject { ["role"] = m.Role, ["content"] = m.Content })).ToArray());
        var tokens = _specialTokens ?? new JsonObject { ["bos_token"] = bosToken, ["eos_token"] = eosToken };
        return RenderJson(json, addGenerationPrompt, null, tokens);
    }

    /// <summary>
    /// transformers' <c>apply_chat_template(messages, tools=tools, add_generation_prompt=..., continue_final_message=...,
    /// tokenize=False)</c> on messages as JSON (content may be a string or a list of blocks).
    /// </summary>
    /// <param name="messages">The conversation, e.g. <c>[{"role": "user", "content": "Hi"}]</c>.</param>
    /// <param name="addGenerationPrompt">Open the assistant's next turn.</param>
    /// <param name="continueFinalMessage">End inside the final message (cannot be combined with the generation prompt).</param>
    /// <param name="tools">Tool schemas, or null.</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="JinjaRaisedException">The template refused the conversation (its <c>raise_exception</c>).</exception>
    /// <exception cref="JinjaException">The template failed otherwise, naming its line.</exception>
    /// <exception cref="UserError">Inconsistent options, or a final message the template does not write as given.</exception>
    public string Apply(JsonArray messages, bool addGenerationPrompt = false, bool continueFinalMessage = false, JsonArray? tools = null)
    {
        var tokens = _specialTokens ?? [];
        if (!continueFinalMessage) return RenderJson(messages, addGenerationPrompt, tools, tokens);
        if (addGenerationPrompt) throw new UserError("continue_final_message and add_generation_prompt cannot both be set.");
        var chat = (JsonArray)messages.DeepClone();
        if (chat.Count == 0 || chat[^1] is not JsonObject final || final["content"] is not JsonNode content)
            throw new UserError("continue_final_message is set but the final message has no \"content\" to continue!");
        string finalText;
        if (content is JsonArray blocks)
        {
            var block = blocks.OfType<JsonObject>().LastOrDefault(b => b.ContainsKey("text"))
                ?? throw new UserError("continue_final_message is set but we could not find any text to continue in the final message!");
            finalText = block["text"]?.GetValue<string>() ?? "";
            block["text"] = finalText + ContinueTag;
        }
        else
        {
            finalText = content.GetValue<string>();
            final["content"] = finalText + ContinueTag;
        }
        return CutAtTag(RenderJson(chat, false, tools, tokens), finalText);
    }

    private string RenderJson(JsonArray messages, bool addGenerationPrompt, JsonArray? tools, JsonObject specialTokens)
    {
        var variables = new Dictionary<string, JsonNode?>
        {
            ["messages"] = messages,
            ["tools"] = tools is { Count: > 0 } ? tools : null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        foreach (var (key, value) in specialTokens) variables[key] = value;
        foreach (var (key, value) in _kwargs) variables[key] = value;
        return Template.Render(variables, Clock());
    }
}
