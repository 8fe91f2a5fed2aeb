using System.CommandLine;
using OnnxKto.Cli.Terminal;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Serving;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto data</c>: unpair preference data into KTO rows, turn served ratings into KTO rows, inspect a dataset, and render it as training sees it.</summary>
internal static class DataCommand
{
    public static Command Create() => new("data", "Prepare and inspect KTO datasets (.parquet, .jsonl, .json; a folder or glob of shards).")
    {
        Subcommands = { Unpair(), Inspect(), Render(), Feedback() },
    };

    private static Command Unpair()
    {
        var input = new Argument<string>("IN") { Description = "Paired (prompt, chosen, rejected) data: a file, folder or glob." };
        var output = OutOption.Create<FileInfo?>("JSONL file to write (prompt, completion, label).", required: false);
        var outArgument = new Argument<FileInfo?>("OUT") { Description = "The same as -o/--out.", Arity = ArgumentArity.ZeroOrOne };
        var seed = new Option<int>("--seed") { Description = "Seed of the shuffle after unpairing.", DefaultValueFactory = _ => 42 };
        var skip = new Option<bool>("--skip-invalid") { Description = "Skip bad rows (and count them) instead of stopping." };
        var command = new Command("unpair", "Turn each (prompt, chosen, rejected) row into a desirable and an undesirable row, shuffled with a seed.")
        {
            input, outArgument, output, seed, skip,
        };
        command.SetAction(parse =>
        {
            var target = (parse.GetValue(output), parse.GetValue(outArgument)) switch
            {
                ({ } option, null) => option,
                (null, { } argument) => argument,
                (null, null) => throw new UserError("data unpair needs the file to write: -o/--out FILE.jsonl."),
                var (option, argument) => throw new UserError($"data unpair got two files to write, '{option.Name}' (-o/--out) and '{argument.Name}'; give one."),
            };
            var dataset = KtoDataset.Load(parse.GetValue(input)!, new DataOptions { Seed = parse.GetValue(seed), SkipInvalid = parse.GetValue(skip) });
            KtoJsonlWriter.Write(dataset.Examples, target.FullName);
            Console.WriteLine($"wrote {target.FullName}: {dataset.Examples.Count} rows from {dataset.RowsRead} read ({dataset.PairsUnpaired} pairs unpaired, {dataset.InvalidRowsSkipped} invalid skipped)");
            foreach (var warning in dataset.Warnings) Console.WriteLine($"warning: {warning}");
            return 0;
        });
        return command;
    }

    private static Command Feedback()
    {
        var db = new Option<string>("--db") { Description = "The SQLite file 'onnx-kto serve' wrote.", DefaultValueFactory = _ => "feedback.db" };
        var output = OutOption.Create<FileInfo>("JSONL file of KTO rows (prompt, completion, label, completion_ids).");
        var since = new Option<DateTime?>("--since") { Description = "Only ratings made at or after this UTC time, e.g. 2026-12-08T00:00:00Z." };
        var command = new Command("feedback", "Write each rated completion of a serve database as a KTO row (conversational for chats), ready for 'train'.")
        {
            db, output, since,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(db)!;
            if (!File.Exists(path)) throw new UserError($"--db {path}: no such file; give the database 'onnx-kto serve --db' wrote.");
            using var store = new FeedbackStore(path);
            var target = parse.GetValue(output)!.FullName;
            var (rows, desirable, empty) = FeedbackExport.Write(store, target, parse.GetValue(since)?.ToUniversalTime());
            Console.WriteLine($"wrote {target}: {rows} rated completions ({desirable} desirable, {rows - desirable} undesirable; {empty} empty ones left out)");
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var input = new Argument<string>("FILE") { Description = "Dataset: a file, folder or glob." };
        var model = new Option<string?>("--model", "-m") { Description = "Model folder or preset:NAME whose tokenizer measures token lengths (and whose chat template renders conversations)." };
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
            var chatTemplate = ChatTemplateCatalog.Resolve(options.ChatTemplate, modelDir, options.ChatTemplateKwargs.Values);
            var dataset = KtoDataset.Load(parse.GetValue(input)!, options);
            var weights = kto.Loss.WeightsFor(LabelBalance.Count(dataset.Examples.Select(e => e.Label)));
            if (modelDir is not null) Console.WriteLine(Sources(modelDir, chatTemplate));
            DataInspectionReport.Print(DataInspector.Inspect(dataset, tokenizer, options, weights, chatTemplate), options, weights);
            return 0;
        });
        return command;
    }

    private static Command Render()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (or preset:NAME) whose tokenizer and chat template render the rows.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Dataset: a file, folder or glob.", Required = true };
        var output = OutOption.Create<FileInfo>("JSONL file to write, one line per row: prompt_text, completion_text, prompt_ids, completion_ids, label.", required: true);
        var config = ConfigOptions.File("defaults");
        var set = ConfigOptions.Set();
        var skip = new Option<bool>("--skip-invalid") { Description = "Leave out rows that cannot be rendered instead of stopping." };
        var command = new Command("render", "Write every row as training will see it: the prompt and completion text (conversations rendered by the chat template, " +
            "as TRL's maybe_apply_chat_template does) and their token ids. chat_template and chat_template_kwargs come from the config (--set).")
        {
            model, data, output, config, set, skip,
        };
        command.SetAction(parse =>
        {
            var kto = ConfigOptions.Apply(ConfigOptions.Load(parse.GetValue(config)), parse.GetValue(set));
            var modelDir = parse.GetValue(model)!;
            var tokenizer = ModelTokenizer.Load(modelDir);
            var chatTemplate = ChatTemplateCatalog.Resolve(kto.Data.ChatTemplate, modelDir, kto.Data.ChatTemplateKwargs.Values);
            var dataset = KtoDataset.Load(parse.GetValue(data)!, kto.Data with { SkipInvalid = kto.Data.SkipInvalid || parse.GetValue(skip) });
            var target = parse.GetValue(output)!.FullName;
            int rows = 0;
            using (var writer = JsonLinesWriter.Create(target))
            {
                foreach (var row in DataRenderer.Render(dataset, tokenizer, chatTemplate, parse.GetValue(skip) || kto.Data.SkipInvalid))
                {
                    writer.WriteObject(json =>
                    {
                        json.WriteString("prompt_text", row.PromptText);
                        json.WriteString("completion_text", row.CompletionText);
                        WriteIds(json, "prompt_ids", row.PromptIds);
                        WriteIds(json, "completion_ids", row.CompletionIds);
                        json.WriteBoolean("label", row.Label);
                    });
                    rows++;
                }
            }
            Console.WriteLine(Sources(modelDir, chatTemplate));
            Console.WriteLine($"wrote {target}: {rows} rows of {dataset.Examples.Count}");
            return 0;
        });
        return command;
    }

    private static void WriteIds(System.Text.Json.Utf8JsonWriter json, string name, int[] ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids) json.WriteNumberValue(id);
        json.WriteEndArray();
    }

    /// <summary>Which tokenizer files and which chat template a model folder gives.</summary>
    private static string Sources(string modelDir, ChatTemplate? template)
    {
        var files = Directory.Exists(modelDir)
            ? string.Join(", ", new[] { "tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" }
                .Where(f => File.Exists(Path.Combine(modelDir, f))))
            : modelDir;
        var chat = template switch
        {
            null => "none (text rows only)",
            JinjaChatTemplate jinja => $"{jinja.Name}{(jinja.Kwargs.Count > 0 ? " with " + jinja.Kwargs.ToJsonString() : "")}",
            var builtIn => $"built-in {builtIn.Name}",
        };
        return $"tokenizer: {files}\nchat template: {chat}";
    }

    /// <summary>The tokenizer of <c>--model DIR|preset:NAME</c>, when given.</summary>
    private static ITextTokenizer? LoadTokenizer(string? model) => model is null ? null : ModelTokenizer.Load(model);
}
