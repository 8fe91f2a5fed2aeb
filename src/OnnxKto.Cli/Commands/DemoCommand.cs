using System.CommandLine;
using OnnxKto.Cli.Demo;
using OnnxKto.Cli.Terminal;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto demo</c>: the main job on its embedded defaults (what <c>make demo</c> runs).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = OutOption.Create<DirectoryInfo>("Folder for every stage and the report.", required: false);
        output.DefaultValueFactory = _ => new DirectoryInfo("artifacts/demo");
        var command = new Command("demo", "Align a small model with yes/no feedback end to end: a noisy SFT reference, then two rounds of onnx-kto online (sample, label with the task's checker, train KTO); SFT on the desirable samples, DPO and imbalanced KTO on round 1's samples (learning rate picked on validation); held-out accuracy and a report.")
        {
            output,
        };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(root);
            var result = TrainingConsole.Run(console => new DemoPipeline(root, new DemoSettings(), console.WriteLine, console).Run());
            Console.WriteLine();
            Console.WriteLine(result.AccuracyLine);
            Console.WriteLine($"report: {Path.Combine(root, "report.md")}");
            return 0;
        });
        return command;
    }
}
