using System.Text;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// ChatML, as in OpenHermes-2.5's <c>tokenizer_config.json</c>:
/// <c>{% for message in messages %}{{'&lt;|im_start|&gt;' + message['role'] + '\n' + message['content'] + '&lt;|im_end|&gt;' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '&lt;|im_start|&gt;assistant\n' }}{% endif %}</c>.
/// Qwen2 and SmolLM2 templates are ChatML that first add a default system message when the conversation has none;
/// give it as <paramref name="defaultSystemMessage"/>.
/// </summary>
/// <param name="defaultSystemMessage">System text used when the first message is not a system message; null for none.</param>
internal sealed class ChatMLTemplate(string? defaultSystemMessage = null) : ChatTemplate
{
    /// <summary>The system text added to conversations without one, or null.</summary>
    public string? DefaultSystemMessage { get; } = defaultSystemMessage;

    /// <inheritdoc/>
    public override string Name => "chatml";

    /// <inheritdoc/>
    public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var text = new StringBuilder();
        if (DefaultSystemMessage is not null && (messages.Count == 0 || messages[0].Role != "system"))
            Turn(text, "system", DefaultSystemMessage);
        foreach (var message in messages) Turn(text, message.Role, message.Content);
        if (addGenerationPrompt) text.Append("<|im_start|>assistant\n");
        return text.ToString();
    }

    private static void Turn(StringBuilder text, string role, string content) =>
        text.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
}
