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
        var data = new Option<string?>("--data", "-d") { Description = "Dataset whose distinct prompts to complete (.parquet, .jsonl, .json; folder or glob); needs --out." };
        var output = OutOption.Create<FileInfo?>("JSONL file of {prompt, completion} lines, with --data.", required: false);
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per completion.", DefaultValueFactory = _ => 128 };
        var temperature = new Option<double>("--temperature") { Description = "0 is greedy; above 0 samples.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass, in (0, 1].", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 42 };
        var batchSize = new Option<int>("--batch-size") { Description = "Prompts generated together with --data.", DefaultValueFactory = _ => 8 };
        var template = new Option<string?>("--chat-template") { Description = $"Chat template for conversational rows: {string.Join(", ", ChatTemplateCatalog.Names)}." };
        var command = new Command("generate", "Generate with the KV cache: greedy by default, or temperature/top-p sampling with a seed.")
        {
            model, prompt, data, output, maxNew, temperature, topP, seed, batchSize, template,
        };
        command.SetAction(parse =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNew), Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP), Seed = parse.GetValue(seed),
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
            var prompts = Prompt.FromDataset(KtoDataset.Load(dataset!), inference.Tokenizer, chatTemplate);
            WriteCompletions(generator, inference, prompts, options, Math.Max(1, parse.GetValue(batchSize)), target.FullName);
            return 0;
        });
        return command;
    }

    private static void WriteCompletions(TextGenerator generator, InferenceModel model, IReadOnlyList<Prompt> prompts, GenerationOptions options,
        int batchSize, string path)
    {
        using var lines = JsonLinesWriter.Create(path);
        int done = 0;
        foreach (var batch in prompts.Chunk(batchSize))
        {
            var completions = generator.Generate(batch.Select(p => p.Ids).ToList(), options);
            for (int i = 0; i < batch.Length; i++)
                lines.WriteObject(json =>
                {
                    json.WriteString("prompt", batch[i].Text);
                    json.WriteString("completion", model.Tokenizer.Decode(completions[i]));
                });
            done += batch.Length;
            Console.Error.WriteLine($"generated {done}/{prompts.Count}");
        }
        Console.WriteLine($"wrote {path}: {prompts.Count} completions");
    }
}
