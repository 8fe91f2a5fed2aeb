using System.Text;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// Zephyr-7B-beta's template: <c>&lt;|system|&gt;\n</c>, <c>&lt;|user|&gt;\n</c> or <c>&lt;|assistant|&gt;\n</c> +
/// content + <c>eos_token</c> + <c>\n</c> per message (other roles print nothing), and <c>&lt;|assistant|&gt;\n</c> as
/// the generation prompt. The newlines are the ones the Jinja source keeps after each <c>}}</c> under
/// <c>trim_blocks</c>.
/// </summary>
internal sealed class ZephyrTemplate : ChatTemplate
{
    /// <inheritdoc/>
    public override string Name => "zephyr";

    /// <inheritdoc/>
    public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            if (message.Role is "user" or "system" or "assistant")
                text.Append("<|").Append(message.Role).Append("|>\n").Append(message.Content).Append(eosToken).Append('\n');
        }
        // The Jinja adds the generation prompt inside the loop, on its last turn: an empty conversation gets none.
        if (addGenerationPrompt && messages.Count > 0) text.Append("<|assistant|>\n");
        return text.ToString();
    }
}
