namespace OnnxKto.Data;

/// <summary>What reading and shaping a dataset did, for the log and for <c>onnx-kto data inspect</c>.</summary>
/// <param name="RowsRead">Rows found in the files (a paired row counts once).</param>
/// <param name="PairsUnpaired">Paired rows turned into a desirable and an undesirable example.</param>
/// <param name="InvalidRowsSkipped">Bad rows skipped under skip_invalid, while reading or tokenizing.</param>
/// <param name="DroppedPromptTooLong">Examples dropped because the prompt alone reached max_length.</param>
/// <param name="PromptsTruncated">Prompts cut to their last max_prompt_length tokens.</param>
/// <param name="CompletionsTruncated">Completions cut so prompt+completion fits max_length.</param>
/// <param name="TokenizationMismatches">Examples where tok(prompt) was not a prefix of tok(prompt + completion).</param>
/// <param name="Labels">Label counts of the examples kept.</param>
/// <param name="Warnings">Human-readable warnings: skipped rows, mismatches (first few), the weight advice.</param>
public sealed record DataReport(
    int RowsRead,
    int PairsUnpaired,
    int InvalidRowsSkipped,
    int DroppedPromptTooLong,
    int PromptsTruncated,
    int CompletionsTruncated,
    int TokenizationMismatches,
    LabelBalance Labels,
    IReadOnlyList<string> Warnings);
