using System.CommandLine;
using OnnxKto.Export;
using OnnxKto.Export.Adapters;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto export</c>: a trained checkpoint as an inference model, GenAI config, tokenizer and safetensors.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Run folder (its highest checkpoint-<step>), RUN/checkpoint-N, or a checkpoint.safetensors file.", Required = true };
        var output = OutOption.Create<DirectoryInfo>("Folder to write, e.g. exports/my-model.");
        var optimize = new Option<bool>("--optimize") { Description = "Also write model.optimized.onnx, ONNX Runtime's optimized graph (loads only in ONNX Runtime)." };
        var adapters = new Option<string>("--adapters")
        {
            Description = "A LoRA run's adapter: 'merged' (default) merges it into model.onnx; 'genai' keeps model.onnx the base model, "
                + $"taking the adapter as optional inputs, and writes {OnnxAdapterFile.DefaultName} for ONNX Runtime GenAI's Adapters.LoadAdapter.",
            DefaultValueFactory = _ => "merged",
        };
        adapters.AcceptOnlyFromAmong("merged", "genai");
        var command = new Command("export", "Export a checkpoint: model.onnx (+ .data) with a KV cache, genai_config.json, tokenizer files, model.safetensors and config.json.")
        {
            checkpoint, output, optimize, adapters,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(output)!.FullName;
            var files = ModelExporter.Export(parse.GetValue(checkpoint)!, folder, parse.GetValue(optimize), line => Console.WriteLine(line),
                parse.GetValue(adapters) == "genai" ? AdapterExport.GenAi : AdapterExport.Merged);
            Console.WriteLine($"exported {files.Count} files to {folder}");
            return 0;
        });
        return command;
    }
}
