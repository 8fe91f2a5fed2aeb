using System.CommandLine;
using OnnxKto.Runtime;

namespace OnnxKto.Cli.Commands;

/// <summary>Runs the parsed command and turns expected failures into one clear line and a non-zero exit code.</summary>
internal static class CommandRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke();
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or NotSupportedException or ArgumentException or KeyNotFoundException
                                      or OnnxRuntimeFailure or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
