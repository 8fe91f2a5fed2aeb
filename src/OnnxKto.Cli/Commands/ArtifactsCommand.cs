using System.CommandLine;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto artifacts</c>: the generation tool.</summary>
internal static class ArtifactsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Hugging Face checkpoint folder, or preset:NAME (" + string.Join(", ", Presets.Names) + ").", Required = true };
        var config = ConfigOptions.File("defaults");
        var set = ConfigOptions.Set();
        var output = OutOption.Create<DirectoryInfo>("Folder for the artifacts, e.g. artifacts/my-run.");
        var command = new Command("artifacts", "Generate KTO training artifacts: training, eval, reference and optimizer ONNX graphs, checkpoint and manifest.")
        {
            model, config, set, output,
        };
        command.SetAction(parse =>
        {
            var kto = ConfigOptions.Apply(ConfigOptions.Load(parse.GetValue(config)), parse.GetValue(set));
            var source = ModelSource.Load(parse.GetValue(model)!, kto.Data.Seed);
            foreach (var warning in source.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var folder = parse.GetValue(output)!.FullName;
            ArtifactGenerator.Generate(source, kto, folder, line => Console.WriteLine(line));
            Console.WriteLine($"artifacts ready in {folder}");
            return 0;
        });
        return command;
    }
}
