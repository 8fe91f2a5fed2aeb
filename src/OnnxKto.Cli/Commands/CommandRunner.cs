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
            // Our handler below prints one line; System.CommandLine's default one would print a stack trace.
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
