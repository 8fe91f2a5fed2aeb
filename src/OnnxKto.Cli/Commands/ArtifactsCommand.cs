using System.CommandLine;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto artifacts</c>: the generation tool.</summary>
internal static class ArtifactsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Hugging Face checkpoint folder, or preset:NAME (" + string.Join(", ", Presets.Names) + ").", Required = true };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "kto.yaml with TRL KTOConfig keys; defaults when omitted." };
        var output = OutOption.Create<DirectoryInfo>("Folder for the artifacts, e.g. artifacts/my-run.");
        var command = new Command("artifacts", "Generate KTO training artifacts: training, eval, reference and optimizer ONNX graphs, checkpoint and manifest.")
        {
            model, config, output,
        };
        command.SetAction(parse =>
        {
            var kto = LoadConfig(parse.GetValue(config));
            var source = ModelSource.Load(parse.GetValue(model)!, kto.Seed);
            foreach (var warning in source.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var folder = parse.GetValue(output)!.FullName;
            ArtifactGenerator.Generate(source, kto, folder, line => Console.WriteLine(line));
            Console.WriteLine($"artifacts ready in {folder}");
            return 0;
        });
        return command;
    }

    /// <summary>The config file's settings (printing ignored keys), or the defaults.</summary>
    public static KtoConfig LoadConfig(FileInfo? file)
    {
        if (file is null) return new KtoConfig();
        var (config, notes) = KtoConfigReader.Load(file.FullName);
        foreach (var note in notes) Console.Error.WriteLine($"note: {note}");
        return config;
    }
}
