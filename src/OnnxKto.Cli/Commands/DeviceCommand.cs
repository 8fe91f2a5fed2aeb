using System.CommandLine;
using OnnxKto.Runtime;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto device</c>: checks that <c>--device</c> works here (provider, libraries, GPU, device memory).</summary>
internal static class DeviceCommand
{
    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var tf32 = new Option<bool>("--tf32") { Description = "CUDA: allow TF32 matrix products (use_tf32=1)." };
        var command = new Command("device", "Check an execution device: start its provider, allocate device memory, round-trip data through IO binding.")
        {
            device, tf32,
        };
        command.SetAction(parse =>
        {
            var target = ExecutionDevice.Parse(parse.GetValue(device));
            foreach (var line in DeviceProbe.Run(target, new DeviceSessionSettings { UseTf32 = parse.GetValue(tf32) }))
                Console.WriteLine(line);
            Console.WriteLine($"device {target} ok");
            return 0;
        });
        return command;
    }
}
