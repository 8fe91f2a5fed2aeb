using System.CommandLine;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto data</c>: unpair preference data into KTO rows, and inspect a dataset before training.</summary>
internal static class DataCommand
{
    public static Command Create() => new("data", "Prepare and inspect KTO datasets (.parquet, .jsonl, .json; a folder or glob of shards).")
    {
        Subcommands = { Unpair(), Inspect() },
    };

    private static Command Unpair()
    {
        var input = new Argument<string>("IN") { Description = "Paired (prompt, chosen, rejected) data: a file, folder or glob." };
        var output = new Argument<FileInfo>("OUT") { Description = "JSONL file to write (prompt, completion, label)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the shuffle after unpairing.", DefaultValueFactory = _ => 42 };
        var skip = new Option<bool>("--skip-invalid") { Description = "Skip bad rows (and count them) instead of stopping." };
        var command = new Command("unpair", "Turn each (prompt, chosen, rejected) row into a desirable and an undesirable row, shuffled with a seed.")
        {
            input, output, seed, skip,
        };
        command.SetAction(parse =>
        {
            var dataset = KtoDataset.Load(parse.GetValue(input)!, new DataOptions { Seed = parse.GetValue(seed), SkipInvalid = parse.GetValue(skip) });
            var target = parse.GetValue(output)!;
            KtoJsonlWriter.Write(dataset.Examples, target.FullName);
            Console.WriteLine($"wrote {target.FullName}: {dataset.Examples.Count} rows from {dataset.RowsRead} read ({dataset.PairsUnpaired} pairs unpaired, {dataset.InvalidRowsSkipped} invalid skipped)");
            foreach (var warning in dataset.Warnings) Console.WriteLine($"warning: {warning}");
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var input = new Argument<string>("FILE") { Description = "Dataset: a file, folder or glob." };
        var model = new Option<string?>("--model") { Description = "Model folder or preset:NAME whose tokenizer measures token lengths (and whose chat template renders conversations)." };
        var config = ConfigOptions.File("defaults");
        var set = ConfigOptions.Set();
        var skip = new Option<bool>("--skip-invalid") { Description = "Skip bad rows (and count them) instead of stopping (skip_invalid: true)." };
        var command = new Command("inspect", "Rows, label balance and weight advice; with --model, token-length percentiles and what max_length would drop or cut. " +
            "The limits, chat_template and weights come from the config (--config, --set max_length=512).")
        {
            input, model, config, set, skip,
        };
        command.SetAction(parse =>
        {
            var kto = ConfigOptions.Apply(ConfigOptions.Load(parse.GetValue(config)), parse.GetValue(set));
            var options = parse.GetValue(skip) ? kto.Data with { SkipInvalid = true } : kto.Data;
            var modelDir = parse.GetValue(model);
            var tokenizer = LoadTokenizer(modelDir);
            var chatTemplate = ChatTemplateCatalog.Resolve(options.ChatTemplate, modelDir);
            var weights = kto.Loss.Weights;
            Print(DataInspector.Inspect(KtoDataset.Load(parse.GetValue(input)!, options), tokenizer, options, weights, chatTemplate), options, weights);
            return 0;
        });
        return command;
    }

    /// <summary>The tokenizer of <c>--model DIR|preset:NAME</c>, when given.</summary>
    private static ITextTokenizer? LoadTokenizer(string? model) => model is null ? null : ModelTokenizer.Load(model);

    private static void Print(DataInspection inspection, DataOptions options, LabelWeights weights)
    {
        var data = inspection.Dataset;
        Console.WriteLine($"files: {data.Files.Count} ({string.Join(", ", data.Files.Take(3))}{(data.Files.Count > 3 ? ", ..." : "")})");
        Console.WriteLine($"rows read: {data.RowsRead}, pairs unpaired: {data.PairsUnpaired}, invalid skipped: {data.InvalidRowsSkipped}, examples: {data.Examples.Count}");
        var labels = inspection.Labels;
        Console.WriteLine($"labels: {labels}; λ_D·n_D/(λ_U·n_U) = {labels.WeightedRatio(weights.Desirable, weights.Undesirable):0.###} (advised: 1 to 4/3)");
        if (inspection.Lengths is { } lengths)
        {
            Console.WriteLine($"tokens (prompt+completion): p50 {lengths.P50}, p90 {lengths.P90}, p99 {lengths.P99}, max {lengths.Max}");
            Console.WriteLine($"max_length {Limit(options.MaxLength)}, max_prompt_length {Limit(options.MaxPromptLength)}: would drop {lengths.WouldDrop}, cut {lengths.WouldCut}");
        }
        if (inspection.Shaping is { TokenizationMismatches: > 0 } shaping)
            Console.WriteLine($"tokenization mismatches at the prompt/completion boundary: {shaping.TokenizationMismatches}");
        var warnings = (inspection.Shaping?.Warnings ?? data.Warnings).Where(w => w != inspection.WeightAdvice);
        foreach (var warning in warnings) Console.WriteLine($"warning: {warning}");
        if (inspection.WeightAdvice is { } advice) Console.WriteLine($"warning: {advice}");
    }

    private static string Limit(int? value) => value?.ToString() ?? "none";
}
