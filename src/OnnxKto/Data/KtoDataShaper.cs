using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Shaping;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Data;

/// <summary>
/// Tokenizes and truncates a <see cref="KtoDataset"/> the way TRL's KTOTrainer does, and reports what it did.
/// </summary>
public static class KtoDataShaper
{
    /// <summary>
    /// Shapes every example: tokenization (EOS text appended to standard completions when missing; conversations
    /// rendered with the chat template; pre-tokenized ids kept), then the length limits of
    /// <see cref="DataOptions.MaxLength"/> and <see cref="DataOptions.MaxPromptLength"/>.
    /// </summary>
    /// <param name="dataset">Examples from <see cref="KtoDataset.Load"/>.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">Limits, chat_template and skip_invalid.</param>
    /// <param name="chatTemplate">The template for conversational rows (callers pass <see cref="ChatTemplateCatalog.Resolve"/>'s
    /// result); null to use <see cref="DataOptions.ChatTemplate"/>.</param>
    /// <param name="adviseFor">The loss's label weights, for the balance advice among the warnings; null for none.</param>
    /// <returns>The examples kept and the report.</returns>
    /// <exception cref="UserError">Inconsistent options, an unknown chat_template name, or conversational rows but no chat template.</exception>
    /// <exception cref="InvalidDataException">A row cannot be tokenized (without skip_invalid).</exception>
    public static ShapedDataset Shape(KtoDataset dataset, ITextTokenizer tokenizer, DataOptions options, ChatTemplate? chatTemplate = null,
        LabelWeights? adviseFor = null)
    {
        options.Validate();
        chatTemplate ??= ChatTemplateCatalog.Resolve(options.ChatTemplate, modelFolder: null);
        var rowTokenizer = new ExampleTokenizer(tokenizer, chatTemplate);
        var warnings = new List<string>(dataset.Warnings);
        var examples = new List<TokenizedExample>(dataset.Examples.Count);
        var shapedIndex = new int[dataset.Examples.Count];  // each example's index among the kept ones, −1 when not kept
        int skipped = 0, dropped = 0, promptsCut = 0, completionsCut = 0, mismatches = 0, staleIds = 0;
        for (int i = 0; i < dataset.Examples.Count; i++)
        {
            var example = dataset.Examples[i];
            shapedIndex[i] = -1;
            int[] prompt, completion;
            try
            {
                (prompt, completion, var mismatch, var idsIgnored) = rowTokenizer.Tokenize(example);
                if (idsIgnored && staleIds++ < KtoDataset.MaxWarningsPerKind)
                    warnings.Add($"{example.Origin}: completion_ids do not decode to the completion's text (was it edited?); the text was tokenized instead.");
                if (mismatch && mismatches++ < KtoDataset.MaxWarningsPerKind)
                    warnings.Add($"{example.Origin}: the prompt's tokens are not a prefix of the tokens of prompt + completion (a merge across the boundary); completion_ids are taken as full[len(prompt_ids):], as TRL does.");
            }
            catch (InvalidDataException e) when (options.SkipInvalid)
            {
                if (skipped++ < KtoDataset.MaxWarningsPerKind) warnings.Add($"skipped {e.Message}");
                continue;
            }
            var cut = SequenceTruncation.Apply(prompt, completion, options.MaxLength, options.MaxPromptLength);
            if (cut.PromptCut) promptsCut++;
            if (cut.Dropped)
            {
                dropped++;
                continue;
            }
            if (cut.CompletionCut) completionsCut++;
            shapedIndex[i] = examples.Count;
            examples.Add(new TokenizedExample(cut.Prompt, cut.Completion, example.Label));
        }
        var pairs = dataset.Pairs is null ? null : WholePairs(dataset.Pairs, shapedIndex, ref examples, warnings);
        if (mismatches > 0) warnings.Add($"{mismatches} example(s) had a prompt/completion tokenization mismatch.");
        if (staleIds > 0) warnings.Add($"{staleIds} example(s) had completion_ids that do not match their completion text; their text was tokenized.");
        if (dropped > 0) warnings.Add($"{dropped} example(s) dropped: their prompt alone has max_length ({options.MaxLength}) tokens or more.");
        var labels = LabelBalance.Count(examples.Select(e => e.Label));
        if (adviseFor is not null && labels.WeightAdvice(adviseFor.Desirable, adviseFor.Undesirable) is { } advice) warnings.Add(advice);
        var report = new DataReport(dataset.RowsRead, dataset.PairsUnpaired, dataset.InvalidRowsSkipped + skipped,
            dropped, promptsCut, completionsCut, mismatches, labels, warnings);
        return new ShapedDataset(examples, report, pairs);
    }

    /// <summary>
    /// The pairs both of whose examples were kept, renumbered; <paramref name="examples"/> becomes their examples alone
    /// (a half whose other half was skipped or dropped goes too, with a warning).
    /// </summary>
    private static List<PreferencePair> WholePairs(IReadOnlyList<PreferencePair> pairs, int[] shapedIndex, ref List<TokenizedExample> examples, List<string> warnings)
    {
        var whole = new List<PreferencePair>(pairs.Count);
        var kept = new List<TokenizedExample>(examples.Count);
        foreach (var (chosen, rejected) in pairs.Select(p => (shapedIndex[p.Chosen], shapedIndex[p.Rejected])).Where(p => p.Item1 >= 0 && p.Item2 >= 0))
        {
            whole.Add(new PreferencePair(kept.Count, kept.Count + 1));
            kept.Add(examples[chosen]);
            kept.Add(examples[rejected]);
        }
        if (kept.Count < examples.Count)
            warnings.Add($"{examples.Count - kept.Count} example(s) dropped: the other half of their preference pair did not survive shaping.");
        examples = kept;
        return whole;
    }
}
