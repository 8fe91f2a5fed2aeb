using System.CommandLine;

namespace OnnxKto.Cli.Commands;

/// <summary>The <c>onnx-kto</c> root command with every verb.</summary>
internal static class OnnxKtoCommand
{
    public static RootCommand Create() => new("OnnxKto: align language models with binary feedback (KTO), in C# on ONNX Runtime.")
    {
        ArtifactsCommand.Create(),
        TrainCommand.Create(),
        ExportCommand.Create(),
        GenerateCommand.Create(),
        LabelCommand.Create(),
        ServeCommand.Create(),
        OnlineCommand.Create(),
        LogpsCommand.Create(),
        DataCommand.Create(),
        DemoCommand.Create(),
        DeviceCommand.Create(),
        GradientsCommand.Create(),
    };
}
