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
    /// The distinct prompts of a dataset in first-seen order (an unpaired preference pair shares one prompt), tokenized
    /// as training tokenizes them: text as is, conversations through the chat template with the generation prompt.
    /// </summary>
    /// <exception cref="UserError">Conversational rows and no chat template.</exception>
    public static IReadOnlyList<Prompt> FromDataset(KtoDataset dataset, ITextTokenizer tokenizer, ChatTemplate? template)
    {
        var prompts = new List<Prompt>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var example in dataset.Examples)
        {
            var prompt = example switch
            {
                TextExample text => FromText(text.Prompt, tokenizer),
                TokenIdsExample ids => new Prompt(tokenizer.Decode(ids.PromptIds), ids.PromptIds),
                ConversationExample chat => FromMessages(chat.Prompt, chat.Origin, tokenizer, template),
                _ => throw new ArgumentException($"Unknown example type {example.GetType().Name}."),
            };
            if (seen.Add(string.Join(",", prompt.Ids))) prompts.Add(prompt);
        }
        return prompts;
    }

    /// <summary>The prompt of one row to complete, tokenized as <see cref="FromDataset"/> does.</summary>
    /// <exception cref="UserError">A conversational row and no chat template.</exception>
    public static Prompt FromRow(PromptRow row, ITextTokenizer tokenizer, ChatTemplate? template) =>
        row.Text is { } text ? FromText(text, tokenizer) : FromMessages(row.Messages!, row.Location, tokenizer, template);

    private static Prompt FromMessages(IReadOnlyList<ChatMessage> messages, RowLocation origin, ITextTokenizer tokenizer, ChatTemplate? template)
    {
        string bos = tokenizer.BosTokenId is { } id ? tokenizer.Decode([id]) : "";
        return FromText(template?.Render(messages, true, bos, tokenizer.EosToken)
            ?? throw new UserError($"{origin} is conversational but no chat template is known; pass --chat-template ({string.Join(", ", ChatTemplateCatalog.Names)})."), tokenizer);
    }

    // An empty prompt starts from BOS (GPT-2: <|endoftext|>), as unconditional generation does.
    private static Prompt FromText(string text, ITextTokenizer tokenizer) =>
        new(text, tokenizer.Encode(text) is { Length: > 0 } ids ? ids : [tokenizer.BosTokenId ?? tokenizer.EosTokenId]);
}
