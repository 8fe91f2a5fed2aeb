using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Shaping;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Data;

/// <summary>
/// Renders and tokenizes every row as training will (<see cref="KtoDataShaper"/>'s rules, before length limits), so
/// users can look at the exact text and ids before they train.
/// </summary>
public static class DataRenderer
{
    /// <summary>The rows of <paramref name="dataset"/>, in order, as training sees them before truncation.</summary>
    /// <param name="dataset">The loaded rows.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The chat template for conversational rows (<see cref="ChatTemplateCatalog.Resolve"/>), or null.</param>
    /// <param name="skipInvalid">Leave out rows that cannot be rendered instead of stopping.</param>
    /// <exception cref="InvalidDataException">A row cannot be rendered or tokenized (unless <paramref name="skipInvalid"/>).</exception>
    /// <exception cref="UserError">Conversational rows but no chat template.</exception>
    public static IEnumerable<RenderedRow> Render(KtoDataset dataset, ITextTokenizer tokenizer, ChatTemplate? template, bool skipInvalid)
    {
        var rows = new ExampleTokenizer(tokenizer, template);
        foreach (var example in dataset.Examples)
        {
            RenderedRow row;
            try
            {
                var texts = rows.TextsOf(example);
                var (prompt, completion, _, _) = rows.Tokenize(example);
                row = new RenderedRow(example.Origin, example.Label, texts?.Prompt, texts?.Completion, prompt, completion);
            }
            catch (InvalidDataException) when (skipInvalid)
            {
                continue;
            }
            yield return row;
        }
    }
}
