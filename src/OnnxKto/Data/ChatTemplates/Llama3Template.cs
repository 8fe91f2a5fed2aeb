using System.Text;

namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// Meta-Llama-3-Instruct's template: <c>bos_token</c> before the first turn, then for each message
/// <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n</c> + content (trimmed, as Jinja's <c>| trim</c>) +
/// <c>&lt;|eot_id|&gt;</c>; the generation prompt is <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>.
/// Llama 3.1+ templates (with a "Cutting Knowledge Date" system header) render differently and are not this one.
/// </summary>
internal sealed class Llama3Template : ChatTemplate
{
    /// <inheritdoc/>
    public override string Name => "llama3";

    /// <inheritdoc/>
    public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken)
    {
        var text = new StringBuilder();
        for (var i = 0; i < messages.Count; i++)
        {
            if (i == 0) text.Append(bosToken);
            text.Append("<|start_header_id|>").Append(messages[i].Role).Append("<|end_header_id|>\n\n")
                .Append(messages[i].Content.Trim()).Append("<|eot_id|>");
        }
        if (addGenerationPrompt) text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        return text.ToString();
    }
}
