namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// A chat template: renders a conversation as text the way the model family's Jinja template does (with Hugging
/// Face's <c>trim_blocks</c> and <c>lstrip_blocks</c>). <see cref="JinjaChatTemplate"/> runs a model folder's own
/// template; the built-ins (<see cref="ChatTemplateCatalog.Names"/>) are C# copies of four common ones.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>transformers' marker for <c>continue_final_message</c>: appended to the final message, cut off after rendering.</summary>
    internal const string ContinueTag = "CONTINUE_FINAL_MESSAGE_TAG ";

    /// <summary>The name used by the <c>chat_template</c> key, e.g. <c>chatml</c>, or the template's file.</summary>
    public abstract string Name { get; }

    /// <summary>Renders <paramref name="messages"/> as the Jinja template would.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Append the header that opens the assistant's next turn.</param>
    /// <param name="bosToken">The tokenizer's BOS text (Jinja's <c>bos_token</c>), empty when it has none.</param>
    /// <param name="eosToken">The tokenizer's EOS text (Jinja's <c>eos_token</c>).</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="ArgumentException">The template refuses the conversation, as its Jinja raises.</exception>
    public abstract string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken);

    /// <summary>
    /// Renders the conversation so that it ends inside the final message, ready to be continued: transformers'
    /// <c>continue_final_message=True</c> (the final message gets a marker, the rendering is cut where it appears,
    /// and trailing whitespace the template trimmed stays trimmed).
    /// </summary>
    /// <exception cref="ArgumentException">No messages, or the template drops part of the final message.</exception>
    public string RenderContinuingFinal(IReadOnlyList<ChatMessage> messages, string bosToken, string eosToken)
    {
        if (messages.Count == 0) throw new UserError("continue_final_message needs a final message to continue, and the conversation is empty.");
        var final = messages[^1];
        var tagged = messages.Take(messages.Count - 1).Append(WithTag(final)).ToList();
        return CutAtTag(Render(tagged, false, bosToken, eosToken), final.Content);
    }

    /// <summary>transformers' cut for <c>continue_final_message</c>: the text up to the marker (trimmed when the template trimmed the marker's space).</summary>
    /// <exception cref="UserError">The rendering lacks the final message or the marker.</exception>
    protected string CutAtTag(string text, string finalContent)
    {
        var tag = ContinueTag.Trim();
        if (!text.Contains(finalContent.Trim(), StringComparison.Ordinal) || !text.Contains(tag, StringComparison.Ordinal))
            throw new UserError($"continue_final_message: the template {Name} does not write the final message ('{finalContent.Trim()}') as given, so the text cannot end inside it.");
        int at = text.LastIndexOf(tag, StringComparison.Ordinal);
        return string.CompareOrdinal(text, at, ContinueTag, 0, ContinueTag.Length) == 0 ? text[..at] : text[..at].TrimEnd();
    }

    private static ChatMessage WithTag(ChatMessage message)
    {
        var tagged = message with { Content = message.Content + ContinueTag };
        if (message.Fields is null) return tagged;
        var fields = (System.Text.Json.Nodes.JsonObject)message.Fields.DeepClone();
        fields["content"] = tagged.Content;
        return tagged with { Fields = fields };
    }

    /// <summary>
    /// The prompt's text as TRL's <c>maybe_apply_chat_template</c> renders it: with the generation prompt when the
    /// last message is the user's, continuing the final message when it is the assistant's.
    /// </summary>
    /// <exception cref="ArgumentException">The last message is neither the user's nor the assistant's, or the template refuses the prompt.</exception>
    public string RenderPrompt(IReadOnlyList<ChatMessage> prompt, string bosToken, string eosToken) =>
        prompt.Count == 0 ? throw new UserError("the prompt has no messages.")
        : prompt[^1].Role switch
        {
            "user" => Render(prompt, true, bosToken, eosToken),
            "assistant" => RenderContinuingFinal(prompt, bosToken, eosToken),
            var role => throw new UserError($"the prompt's last message has role '{role}'; TRL renders prompts that end with a 'user' message (adding the generation prompt) or an 'assistant' message (continuing it)."),
        };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
