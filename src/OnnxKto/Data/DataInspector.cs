using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Shaping;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Data;

/// <summary>Statistics for <c>onnx-kto data inspect</c>: label balance and, with a tokenizer, token lengths.</summary>
public static class DataInspector
{
    /// <summary>Inspects <paramref name="dataset"/>.</summary>
    /// <param name="dataset">Rows from <see cref="KtoDataset.Load"/>.</param>
    /// <param name="tokenizer">The model's tokenizer, or null for label statistics only.</param>
    /// <param name="options">Limits to evaluate.</param>
    /// <param name="weights">The loss's label weights the balance advice is about.</param>
    /// <param name="chatTemplate">Template for conversational rows, as for <see cref="KtoDataShaper.Shape"/>.</param>
    /// <returns>The statistics.</returns>
    public static DataInspection Inspect(KtoDataset dataset, ITextTokenizer? tokenizer, DataOptions options, LabelWeights weights,
        ChatTemplate? chatTemplate = null)
    {
        options.Validate();
        var labels = LabelBalance.Count(dataset.Examples.Select(e => e.Label));
        var advice = labels.WeightAdvice(weights.Desirable, weights.Undesirable);
        if (tokenizer is null) return new DataInspection(dataset, labels, advice, null, null);

        var full = KtoDataShaper.Shape(dataset, tokenizer, options with { MaxLength = null, MaxPromptLength = null }, chatTemplate);
        var lengths = full.Examples.Select(e => e.PromptIds.Length + e.CompletionIds.Length).Order().ToArray();
        int drop = 0, cut = 0;
        foreach (var example in full.Examples)
        {
            var result = SequenceTruncation.Apply(example.PromptIds, example.CompletionIds, options.MaxLength, options.MaxPromptLength);
            if (result.Dropped) drop++;
            else if (result.PromptCut || result.CompletionCut) cut++;
        }
        var stats = lengths.Length == 0
            ? null
            : new TokenLengthStats(Percentile(lengths, 50), Percentile(lengths, 90), Percentile(lengths, 99), lengths[^1], drop, cut);
        return new DataInspection(dataset, labels, advice, stats, full.Report);
    }

    // Nearest rank: the value at 1-based rank ceil(p/100·n) of the sorted lengths.
    private static int Percentile(int[] sorted, int percent) =>
        sorted[Math.Max(0, (int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1)];
}
