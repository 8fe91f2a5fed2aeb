using System.CommandLine;
using OnnxKto.Cli.Commands;

var root = new RootCommand("OnnxKto: align language models with binary feedback (KTO), in C# on ONNX Runtime.");
root.Subcommands.Add(ArtifactsCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(LogpsCommand.Create());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(DeviceCommand.Create());
root.Subcommands.Add(GradientsCommand.Create());
return CommandRunner.Invoke(root, args);
