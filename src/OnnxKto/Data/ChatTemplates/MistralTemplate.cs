using System.Text;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// Mistral-7B-Instruct-v0.2 / Mixtral-8x7B-Instruct-v0.1's template: <c>bos_token</c>, then
/// <c>[INST] user [/INST]</c> and <c>assistant + eos_token</c> alternately. It has no generation prompt and, like its
/// Jinja (which raises), refuses system messages and turns that do not alternate user/assistant starting with user.
/// </summary>
internal sealed class MistralTemplate : ChatTemplate
{
    /// <inheritdoc/>
    public override string Name => "mistral";

    /// <inheritdoc/>
    public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var text = new StringBuilder(bosToken);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role is not ("user" or "assistant"))
                throw new UserError($"the mistral chat template supports only user and assistant roles, found '{message.Role}' in message {i + 1} (merge a system message into the first user message, or use another chat_template).");
            if (message.Role == "user" != (i % 2 == 0))
                throw new UserError($"the mistral chat template needs roles alternating user/assistant/user/..., but message {i + 1} is '{message.Role}'.");
            if (message.Role == "user") text.Append("[INST] ").Append(message.Content).Append(" [/INST]");
            else text.Append(message.Content).Append(eosToken);
        }
        return text.ToString();
    }
}
