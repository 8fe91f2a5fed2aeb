namespace OnnxKto.Data.ChatTemplates;

/// <summary>
/// A chat template written as C# that renders exactly what the model family's Jinja template renders (with Hugging
/// Face's <c>trim_blocks</c> and <c>lstrip_blocks</c>), for system, user and assistant turns.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>The name used by the <c>chat_template</c> key, e.g. <c>chatml</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Renders <paramref name="messages"/> as the Jinja template would.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Append the header that opens the assistant's next turn.</param>
    /// <param name="bosToken">The tokenizer's BOS text (Jinja's <c>bos_token</c>), empty when it has none.</param>
    /// <param name="eosToken">The tokenizer's EOS text (Jinja's <c>eos_token</c>).</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="ArgumentException">The template refuses the conversation, as its Jinja raises.</exception>
    public abstract string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
