using System.CommandLine;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto generate</c>: complete one prompt (streamed) or every prompt of a dataset (batched, to JSONL).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Exported folder (model.onnx), Hugging Face checkpoint folder, or preset:NAME.", Required = true };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Prompt text; the completion streams to stdout." };
        var data = new Option<string?>("--data", "-d") { Description = "Rows with a prompt column (text or messages; .parquet, .jsonl, .json; folder or glob), each completed; other columns pass through. Needs --out." };
        var output = OutOption.Create<FileInfo?>("JSONL file of the rows with completion and sample added, with --data.", required: false);
        var samples = new Option<int>("--num-samples", "--num-return-sequences", "-n") { Description = "Completions per row (num_return_sequences), each line carrying its sample index.", DefaultValueFactory = _ => 1 };
        var stop = new Option<string[]>("--stop") { Description = "Text that ends a completion, as EOS does (repeatable; \\n, \\t and \\\\ are read as escapes); cut from the completion." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per completion.", DefaultValueFactory = _ => 128 };
        var temperature = new Option<double>("--temperature") { Description = "0 is greedy; above 0 samples.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass, in (0, 1].", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 42 };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences decoded together with --data; a finished one's row goes to the next.", DefaultValueFactory = _ => 8 };
        var template = new Option<string?>("--chat-template") { Description = $"Chat template for conversational rows: {string.Join(", ", ChatTemplateCatalog.Names)}." };
        var command = new Command("generate", "Generate with the KV cache: greedy by default, or temperature/top-p sampling with a seed.")
        {
            model, prompt, data, output, samples, maxNew, temperature, topP, seed, stop, batchSize, template,
        };
        command.SetAction(parse =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew), Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP), Seed = parse.GetValue(seed),
                NumReturnSequences = parse.GetValue(samples), StopStrings = (parse.GetValue(stop) ?? []).Select(Unescape).ToArray(),
            };
            options.Validate();
            string? text = parse.GetValue(prompt), dataset = parse.GetValue(data);
            if ((text is null) == (dataset is null))
                throw new UserError("Give either --prompt TEXT or --data FILE -o FILE.jsonl.");
            var spec = parse.GetValue(model)!;
            using var inference = InferenceModel.Open(spec);
            var generator = new TextGenerator(inference);
            if (text is not null)
            {
                Console.Write(text);
                generator.Generate(text, options, piece => Console.Write(piece));
                Console.WriteLine();
                return 0;
            }
            var target = parse.GetValue(output) ?? throw new UserError("--data needs -o/--out FILE.jsonl for the completions.");
            var chatTemplate = ChatTemplateCatalog.Resolve(parse.GetValue(template), spec);
            var rows = PromptDataset.Load(dataset!);
            int lines = PromptSampler.Write(inference, rows, chatTemplate, options, Math.Max(1, parse.GetValue(batchSize)), target.FullName,
                (done, total) => Console.Error.WriteLine($"generated {done}/{total}"));
            Console.WriteLine($"wrote {target.FullName}: {lines} completions ({rows.Count} rows x {options.NumReturnSequences})");
            return 0;
        });
        return command;
    }

    /// <summary>A stop string as typed in a shell: <c>\n</c>, <c>\t</c> and <c>\\</c> stand for newline, tab and backslash.</summary>
    private static string Unescape(string text) => text.Replace("\\\\", "\u0000").Replace("\\n", "\n").Replace("\\t", "\t").Replace('\u0000', '\\');
}
