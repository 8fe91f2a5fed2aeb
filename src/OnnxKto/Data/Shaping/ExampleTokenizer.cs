using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Readers;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Data.Shaping;

/// <summary>
/// Tokenizes one example as TRL's KTOTrainer does: prompt_ids = tok(prompt), full = tok(prompt + completion),
/// completion_ids = full[len(prompt_ids):]. Standard completions get the EOS text appended when missing;
/// conversations are rendered with the chat template (prompt with the generation prompt, full without).
/// A row that carries the ids its completion was sampled as (<c>completion_ids</c> beside the text, as <c>generate</c>
/// writes) is trained on those ids when they decode to its text, since re-tokenizing sampled text need not give the
/// sampled tokens back.
/// </summary>
internal sealed class ExampleTokenizer(ITextTokenizer tokenizer, ChatTemplate? template)
{
    private readonly string _bosToken = tokenizer.BosTokenId is { } bos ? tokenizer.Decode([bos]) : "";

    /// <summary>
    /// The ids; whether tok(prompt) was not a prefix of tok(prompt + completion); and whether the row's sampled
    /// <c>completion_ids</c> were set aside because they do not decode to its completion text.
    /// </summary>
    /// <exception cref="InvalidDataException">The row cannot be tokenized (no template, template refused it, bad ids).</exception>
    public (int[] Prompt, int[] Completion, bool Mismatch, bool SampledIdsIgnored) Tokenize(KtoExample example)
    {
        if (example is TokenIdsExample ids)
        {
            CheckVocabulary(ids.PromptIds, "prompt_ids", ids.Origin);
            CheckVocabulary(ids.CompletionIds, "completion_ids", ids.Origin);
            return (ids.PromptIds, ids.CompletionIds, false, false);
        }
        var (promptText, fullText) = Texts(example);
        var prompt = tokenizer.Encode(promptText);
        var sampled = example switch { TextExample t => t.CompletionIds, ConversationExample c => c.CompletionIds, _ => null };
        if (sampled is not null)
        {
            CheckVocabulary(sampled, "completion_ids", example.Origin);
            if (FromSampledIds(prompt, sampled, promptText, fullText) is { } completionIds)
                return (prompt, completionIds, false, false);
        }
        var full = tokenizer.Encode(fullText);
        var mismatch = full.Length < prompt.Length || !full.AsSpan(0, prompt.Length).SequenceEqual(prompt);
        var completion = full.Length > prompt.Length ? full[prompt.Length..] : [];
        if (completion.Length == 0)
            throw RowErrors.At(example.Origin, "completion", "tokenizes to no tokens after the prompt's tokens.");
        return (prompt, completion, mismatch, sampled is not null);
    }

    /// <summary>
    /// The sampled ids followed by the ids of what the row adds after the completion (EOS, a template's end of turn),
    /// or null when the text the ids continue the prompt with (<see cref="ContinuationText"/>) is not how the full
    /// text goes on: the completion was edited, or a template changed it (e.g. trimmed it).
    /// </summary>
    private int[]? FromSampledIds(int[] prompt, int[] sampled, string promptText, string fullText)
    {
        string head = promptText + ContinuationText.Of(tokenizer, prompt, sampled);
        if (!fullText.StartsWith(head, StringComparison.Ordinal)) return null;
        if (fullText.Length == head.Length) return sampled;
        // The tail's ids as the full text tokenizes them after the head (it starts a new token: EOS or a turn marker).
        var headIds = tokenizer.Encode(head);
        var fullIds = tokenizer.Encode(fullText);
        return fullIds.AsSpan().StartsWith(headIds) ? [.. sampled, .. fullIds[headIds.Length..]] : null;
    }

    private (string Prompt, string Full) Texts(KtoExample example)
    {
        switch (example)
        {
            case TextExample text:
                var completion = text.Completion.EndsWith(tokenizer.EosToken, StringComparison.Ordinal)
                    ? text.Completion
                    : text.Completion + tokenizer.EosToken;
                return (text.Prompt, text.Prompt + completion);
            case ConversationExample chat:
                if (template is null)
                    throw new UserError(
                        $"{chat.Origin} is conversational (lists of messages) but no chat template is known: set chat_template to one of {string.Join(", ", ChatTemplateCatalog.Names)}, or use a tokenizer folder whose tokenizer_config.json has a chat_template.");
                try
                {
                    return (template.Render(chat.Prompt, true, _bosToken, tokenizer.EosToken),
                            template.Render([.. chat.Prompt, .. chat.Completion], false, _bosToken, tokenizer.EosToken));
                }
                catch (ArgumentException e)
                {
                    throw RowErrors.At(chat.Origin, "prompt", e.Message);
                }
            default:
                throw new ArgumentException($"Unknown example type {example.GetType().Name}.", nameof(example));
        }
    }

    private void CheckVocabulary(int[] ids, string column, RowLocation origin)
    {
        var bad = Array.FindIndex(ids, id => id >= tokenizer.VocabSize);
        if (bad >= 0)
            throw RowErrors.At(origin, column, $"token id {ids[bad]} (item {bad + 1}) is outside the tokenizer's vocabulary of {tokenizer.VocabSize}; were these ids made with another tokenizer?");
    }
}
