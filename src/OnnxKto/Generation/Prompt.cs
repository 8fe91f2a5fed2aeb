using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>A prompt to complete: its text (as shown in outputs) and its token ids.</summary>
/// <param name="Text">The prompt text; a conversation's rendering with the generation prompt; decoded ids for pre-tokenized rows.</param>
/// <param name="Ids">Token ids fed to the model.</param>
public sealed record Prompt(string Text, int[] Ids)
{
    /// <summary>
    /// The prompt of one row to complete, tokenized as training tokenizes it: text as is, a conversation through the
    /// chat template with the generation prompt, token ids unchanged.
    /// </summary>
    /// <exception cref="UserError">A conversational row and no chat template.</exception>
    public static Prompt FromRow(PromptRow row, ITextTokenizer tokenizer, ChatTemplate? template) =>
        row.Ids is { } ids ? new Prompt(tokenizer.Decode(ids), ids.Length > 0 ? ids : Start(tokenizer))
        : row.Text is { } text ? FromText(text, tokenizer)
        : FromMessages(row.Messages!, row.Location, tokenizer, template);

    /// <summary>A conversation rendered through <paramref name="template"/> with the generation prompt, then tokenized.</summary>
    public static Prompt FromConversation(IReadOnlyList<ChatMessage> messages, ITextTokenizer tokenizer, ChatTemplate template)
    {
        string bos = tokenizer.BosTokenId is { } id ? tokenizer.Decode([id]) : "";
        return FromText(template.RenderPrompt(messages, bos, tokenizer.EosToken), tokenizer);
    }

    private static Prompt FromMessages(IReadOnlyList<ChatMessage> messages, RowLocation origin, ITextTokenizer tokenizer, ChatTemplate? template) =>
        FromConversation(messages, tokenizer, template
            ?? throw new UserError($"{origin} is conversational but no chat template is known; pass --chat-template ({string.Join(", ", ChatTemplateCatalog.Names)})."));

    // An empty prompt starts from BOS (GPT-2: <|endoftext|>), as unconditional generation does.
    private static Prompt FromText(string text, ITextTokenizer tokenizer) =>
        new(text, tokenizer.Encode(text) is { Length: > 0 } ids ? ids : Start(tokenizer));

    private static int[] Start(ITextTokenizer tokenizer) => [tokenizer.BosTokenId ?? tokenizer.EosTokenId];
}
