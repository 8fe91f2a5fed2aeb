using OnnxKto.Data;
using Spectre.Console;

namespace OnnxKto.Cli.Terminal;

/// <summary>
/// What <c>onnx-kto data inspect</c> prints: one row per finding, as a Spectre.Console table in a terminal and as
/// <c>name: value</c> lines otherwise, then the warnings.
/// </summary>
internal static class DataInspectionReport
{
    public static void Print(DataInspection inspection, DataOptions options, LabelWeights weights)
    {
        var rows = Rows(inspection, options, weights);
        var warnings = Warnings(inspection);
        if (Console.IsOutputRedirected)
        {
            foreach (var (name, value) in rows) Console.WriteLine($"{name}: {value}");
            foreach (var warning in warnings) Console.WriteLine($"warning: {warning}");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("dataset").AddColumn("");
        foreach (var (name, value) in rows) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(table);
        foreach (var warning in warnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
    }

    /// <summary>The findings in reading order: files, counts, labels, then token lengths when a tokenizer measured them.</summary>
    private static List<(string Name, string Value)> Rows(DataInspection inspection, DataOptions options, LabelWeights weights)
    {
        var data = inspection.Dataset;
        var rows = new List<(string, string)>
        {
            ("files", $"{data.Files.Count} ({string.Join(", ", data.Files.Take(3))}{(data.Files.Count > 3 ? ", ..." : "")})"),
            ("rows read", $"{data.RowsRead}"),
            ("pairs unpaired", $"{data.PairsUnpaired}"),
            ("invalid rows skipped", $"{data.InvalidRowsSkipped}"),
            ("examples", $"{data.Examples.Count}"),
            ("labels", $"{inspection.Labels}"),
            ("λ_D·n_D/(λ_U·n_U)", $"{inspection.Labels.WeightedRatio(weights.Desirable, weights.Undesirable):0.###} (advised: 1 to 4/3)"),
        };
        if (inspection.Lengths is { } lengths)
        {
            rows.Add(("tokens (prompt+completion)", $"p50 {lengths.P50}, p90 {lengths.P90}, p99 {lengths.P99}, max {lengths.Max}"));
            rows.Add(($"max_length {Limit(options.MaxLength)}, max_prompt_length {Limit(options.MaxPromptLength)}", $"would drop {lengths.WouldDrop}, cut {lengths.WouldCut}"));
        }
        if (inspection.Shaping is { TokenizationMismatches: > 0 } shaping)
            rows.Add(("tokenization mismatches at the prompt/completion boundary", $"{shaping.TokenizationMismatches}"));
        return rows;
    }

    /// <summary>Reading and shaping warnings, with the weight advice last.</summary>
    private static IEnumerable<string> Warnings(DataInspection inspection) =>
        (inspection.Shaping?.Warnings ?? inspection.Dataset.Warnings).Where(w => w != inspection.WeightAdvice)
            .Concat(inspection.WeightAdvice is { } advice ? [advice] : []);

    private static string Limit(int? value) => value?.ToString() ?? "none";
}
