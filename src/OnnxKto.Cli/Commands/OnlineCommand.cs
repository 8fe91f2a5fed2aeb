using System.CommandLine;
using OnnxKto.Cli.Online;
using OnnxKto.Cli.Terminal;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto online</c>: rounds of sample → label → train KTO → export → evaluate, resumable.</summary>
internal static class OnlineCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "online.yaml: rounds, model, prompts, held_out, the verifier, reference and a train: section of kto.yaml keys." };
        var set = new Option<string[]>("--set") { Description = "A key over the config file, e.g. --set rounds=3 or --set train.beta=0.2 (repeatable)." };
        var output = OutOption.Create<DirectoryInfo>("Folder of round-0, round-1, ... (each with samples.jsonl, kto.jsonl, artifacts, run, model, complete.json); rerun to resume.");
        var command = new Command("online", "On-policy KTO in rounds: sample the policy, label with a verifier, train, export, evaluate on held-out prompts.")
        {
            config, set, output,
        };
        command.SetAction(parse =>
        {
            var settings = OnlineSettingsYaml.Load(parse.GetValue(config)?.FullName, parse.GetValue(set) ?? []);
            var root = parse.GetValue(output)!.FullName;
            var rounds = TrainingConsole.Run(console => new OnlineLoop(root, settings, console.WriteLine, _ => console).Run());
            Console.WriteLine(OnlineReport.Table(rounds));
            OnlineReport.Plot(rounds, Path.Combine(root, "rounds.png"));
            Console.WriteLine($"plot: {Path.Combine(root, "rounds.png")}");
            return 0;
        });
        return command;
    }
}
