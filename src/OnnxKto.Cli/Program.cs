using System.CommandLine;
using OnnxKto.Cli.Commands;

var root = new RootCommand("OnnxKto: align language models with binary feedback (KTO), in C# on ONNX Runtime.");
root.Subcommands.Add(ArtifactsCommand.Create());
root.Subcommands.Add(GradientsCommand.Create());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(DeviceCommand.Create());
return CommandRunner.Invoke(root, args);
