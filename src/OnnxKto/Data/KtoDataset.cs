using OnnxKto.Data.Readers;

namespace OnnxKto.Data;

/// <summary>
/// The rows of a KTO dataset, read from Parquet, JSONL or JSON files in TRL's formats (standard, conversational,
/// paired preference, or pre-tokenized), before tokenization. Extra columns are ignored.
/// </summary>
/// <param name="Examples">Unpaired examples in training order.</param>
/// <param name="Files">The files read, in order.</param>
/// <param name="RowsRead">Rows found in the files (a paired row counts once), skipped rows included.</param>
/// <param name="PairsUnpaired">Paired (prompt, chosen, rejected) rows turned into two examples each.</param>
/// <param name="InvalidRowsSkipped">Bad rows skipped because <see cref="DataOptions.SkipInvalid"/> was set.</param>
/// <param name="Warnings">What went wrong with the first few skipped rows.</param>
/// <param name="Pairs">With <c>keepPairs</c>: each paired row's chosen and rejected example; null otherwise.</param>
public sealed record KtoDataset(
    IReadOnlyList<KtoExample> Examples,
    IReadOnlyList<string> Files,
    int RowsRead,
    int PairsUnpaired,
    int InvalidRowsSkipped,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<PreferencePair>? Pairs = null)
{
    /// <summary>How many skipped-row messages are kept in <see cref="Warnings"/>.</summary>
    public const int MaxWarningsPerKind = 5;

    /// <summary>
    /// Reads every row of <paramref name="path"/>: a <c>.parquet</c>, <c>.jsonl</c> or <c>.json</c> file, a folder of
    /// them, or a glob such as <c>data/train-*.parquet</c>. Paired rows are unpaired into a desirable and an undesirable
    /// example; the examples are then shuffled once with <see cref="DataOptions.Seed"/> so batches do not come in long
    /// runs of one label (nor pairs of the same prompt side by side). Unpaired data keeps its file order.
    /// </summary>
    /// <param name="path">File, folder or glob.</param>
    /// <param name="options">Seed and skip_invalid are used here; null for the defaults.</param>
    /// <param name="keepPairs">Paired data only, kept in file order as <see cref="Pairs"/> (each row's chosen example
    /// followed by its rejected one), for a loss on preference pairs such as DPO; an unpaired row is an error.</param>
    /// <returns>The examples and counts.</returns>
    /// <exception cref="UserError"><paramref name="keepPairs"/> and a file in an unpaired layout.</exception>
    /// <exception cref="FileNotFoundException">Nothing matches <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A bad row (without skip_invalid), or a file that cannot be read; the message
    /// names the file, the row (1-based line for JSONL) and the column.</exception>
    public static KtoDataset Load(string path, DataOptions? options = null, bool keepPairs = false)
    {
        options ??= new DataOptions();
        var files = DataFiles.Expand(path);
        var examples = new List<KtoExample>();
        var warnings = new List<string>();
        var kept = new List<PreferencePair>();
        int rows = 0, pairs = 0, skipped = 0;
        foreach (var file in files)
        {
            var parser = new RowParser();
            foreach (var row in RowReaders.Read(file))
            {
                rows++;
                try
                {
                    var parsed = parser.Parse(row);
                    if (keepPairs && parsed.Count != 2)
                        throw new UserError(
                            $"{row.Location}: a loss on preference pairs (loss_type dpo) needs paired rows with the columns prompt, chosen and rejected; " +
                            $"this row has the columns {string.Join(", ", row.Columns!.Select(c => c.Key))} (an unpaired KTO layout: prompt, completion, label).",
                            "Give a paired file, or train unpaired data with loss_type kto, apo_zero_unpaired or bco.");
                    if (keepPairs) kept.Add(new PreferencePair(examples.Count, examples.Count + 1));
                    examples.AddRange(parsed);
                    if (parsed.Count == 2) pairs++;
                }
                catch (InvalidDataException e) when (options.SkipInvalid)
                {
                    if (skipped++ < MaxWarningsPerKind) warnings.Add($"skipped {RowErrors.WithoutSkipHint(e.Message)}");
                }
            }
        }
        if (pairs > 0 && !keepPairs) Shuffle(examples, options.Seed);
        return new KtoDataset(examples, files, rows, pairs, skipped, warnings, keepPairs ? kept : null);
    }

    // Fisher-Yates with System.Random(seed), whose seeded sequence is fixed across .NET versions.
    private static void Shuffle(List<KtoExample> examples, int seed)
    {
        var random = new Random(seed);
        for (var i = examples.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (examples[i], examples[j]) = (examples[j], examples[i]);
        }
    }
}
