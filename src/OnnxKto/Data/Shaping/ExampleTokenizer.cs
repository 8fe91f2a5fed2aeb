using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Readers;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Data.Shaping;

/// <summary>
/// Tokenizes one example as TRL's KTOTrainer does: prompt_ids = tok(prompt), full = tok(prompt + completion),
/// completion_ids = full[len(prompt_ids):]. Standard completions get the EOS text appended when missing;
/// conversations are rendered with the chat template as TRL's <c>maybe_apply_chat_template</c> does (the prompt with the
/// generation prompt, or continuing a final assistant message; the completion is the rest of prompt + completion), and
/// a BOS that both the template and the tokenizer add is kept once.
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
        var prompt = Encode(promptText);
        var sampled = example switch { TextExample t => t.CompletionIds, ConversationExample c => c.CompletionIds, _ => null };
        if (sampled is not null)
        {
            CheckVocabulary(sampled, "completion_ids", example.Origin);
            if (FromSampledIds(prompt, sampled, promptText, fullText) is { } completionIds)
                return (prompt, completionIds, false, false);
        }
        var full = Encode(fullText);
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
        var headIds = Encode(head);
        var fullIds = Encode(fullText);
        return fullIds.AsSpan().StartsWith(headIds) ? [.. sampled, .. fullIds[headIds.Length..]] : null;
    }

    /// <summary>The prompt's text and the completion's text (the rest of prompt + completion), as training sees them; null for pre-tokenized rows.</summary>
    /// <exception cref="InvalidDataException">The row cannot be rendered (the template refused it).</exception>
    public (string Prompt, string Completion)? TextsOf(KtoExample example)
    {
        if (example is TokenIdsExample) return null;
        var (prompt, full) = Texts(example);
        return (prompt, full[prompt.Length..]);
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
                    var prompt = template.RenderPrompt(chat.Prompt, _bosToken, tokenizer.EosToken);
                    var full = template.Render([.. chat.Prompt, .. chat.Completion], false, _bosToken, tokenizer.EosToken);
                    if (!full.StartsWith(prompt, StringComparison.Ordinal))
                        throw RowErrors.At(chat.Origin, "completion", $"the chat template {template.Name} renders the prompt differently once the completion follows it, so the completion is not the rest of the text (TRL would cut it at the prompt's length anyway). The prompt ends '{Tail(prompt)}', the conversation goes on '{Tail(full[..Math.Min(full.Length, prompt.Length)])}'; thinking templates do this when the generation prompt and the completion disagree on <think> blocks (set chat_template_kwargs, e.g. enable_thinking).");
                    return (prompt, full);
                }
                catch (ArgumentException e)
                {
                    throw RowErrors.At(chat.Origin, "prompt", e.Message);
                }
            default:
                throw new ArgumentException($"Unknown example type {example.GetType().Name}.", nameof(example));
        }
    }

    private static string Tail(string text) => text.Length <= 40 ? text : "..." + text[^40..];

    // The tokenizer may add BOS itself (Llama's add_bos_token, Llama 3's post-processor) while the chat template
    // also writes it: keep one, as TRL does (it adds BOS only when the ids do not already start with it).
    private int[] Encode(string text)
    {
        var ids = tokenizer.Encode(text);
        return ids.Length >= 2 && tokenizer.BosTokenId is { } bos && ids[0] == bos && ids[1] == bos && _bosToken.Length > 0
               && text.StartsWith(_bosToken, StringComparison.Ordinal)
            ? ids[1..]
            : ids;
    }

    private void CheckVocabulary(int[] ids, string column, RowLocation origin)
    {
        var bad = Array.FindIndex(ids, id => id >= tokenizer.VocabSize);
        if (bad >= 0)
            throw RowErrors.At(origin, column, $"token id {ids[bad]} (item {bad + 1}) is outside the tokenizer's vocabulary of {tokenizer.VocabSize}; were these ids made with another tokenizer?");
    }
}
