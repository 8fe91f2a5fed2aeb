using System.CommandLine;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto logps</c>: each row's completion log-probability, as the KTO loss computes it.</summary>
internal static class LogpsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Hugging Face checkpoint folder, preset:NAME, or an exported folder (model.onnx).", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Dataset (.parquet, .jsonl, .json; folder or glob).", Required = true };
        var maxLength = new Option<int?>("--max-length") { Description = "max_length: prompt+completion right-truncated to it (default: the model's context length)." };
        var output = OutOption.Create<FileInfo>("JSONL file of {logps, label} lines, one per kept row.");
        var batchSize = new Option<int>("--batch-size") { Description = "Rows scored together.", DefaultValueFactory = _ => 4 };
        var template = new Option<string?>("--chat-template") { Description = $"Chat template for conversational rows: {string.Join(", ", ChatTemplateCatalog.Names)}." };
        var command = new Command("logps", "Sum of completion-token log-probs per row (prompt and padding masked, EOS counted), as TRL's KTO computes them.")
        {
            model, data, maxLength, output, batchSize, template,
        };
        command.SetAction(parse =>
        {
            var spec = parse.GetValue(model)!;
            using var inference = InferenceModel.Open(spec);
            var options = new DataOptions
            {
                MaxLength = parse.GetValue(maxLength) ?? inference.Config.MaxPositions, ChatTemplate = parse.GetValue(template),
            };
            var chatTemplate = ChatTemplateCatalog.Resolve(options.ChatTemplate, spec);
            // No label-balance advice: it is about training weights, not about scoring.
            var shaped = KtoDataShaper.Shape(KtoDataset.Load(parse.GetValue(data)!, options), inference.Tokenizer, options, chatTemplate);
            foreach (var warning in shaped.Report.Warnings) Console.Error.WriteLine($"warning: {warning}");
            using var scorer = new CompletionScorer(inference);
            var logps = scorer.Score(shaped.Examples, Math.Max(1, parse.GetValue(batchSize)));
            var target = parse.GetValue(output)!;
            using (var lines = JsonLinesWriter.Create(target.FullName))
                for (int i = 0; i < logps.Length; i++)
                    lines.WriteObject(json =>
                    {
                        json.WriteNumber("logps", logps[i]);
                        json.WriteBoolean("label", shaped.Examples[i].Label);
                    });
            Console.WriteLine($"wrote {target.FullName}: {logps.Length} rows, mean logps {(logps.Length > 0 ? logps.Average() : 0):0.###}");
            return 0;
        });
        return command;
    }
}
