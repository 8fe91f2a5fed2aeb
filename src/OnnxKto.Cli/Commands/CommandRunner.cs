using System.CommandLine;
using OnnxKto.Runtime;

namespace OnnxKto.Cli.Commands;

/// <summary>
/// Runs the parsed command. A user error (a <see cref="UserError"/>, bad file contents, a missing file, an unsupported
/// model or template, a failing device or ONNX Runtime call) becomes one <c>error:</c> line; anything else is a bug in
/// onnx-kto and says so, with its stack trace under <c>-v/--verbose</c>. Either way the exit code is 1.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> (adding the global <c>-v/--verbose</c>) and runs the command.</summary>
    /// <param name="error">Where errors go; the console's standard error when null.</param>
    public static int Invoke(RootCommand root, string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the stack trace of an error.", Recursive = true };
        root.Options.Add(verbose);
        var parse = root.Parse(args);
        try
        {
            // Our handler below decides what a failure prints; System.CommandLine's default one would print every stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = error });
        }
        catch (Exception e)
        {
            bool user = IsUserError(e);
            error.WriteLine(user ? $"error: {e.Message}" : $"error: {e.Message} ({e.GetType().Name})");
            if (e is UserError { Hint: { } hint }) error.WriteLine($"hint: {hint}");
            if (parse.GetValue(verbose)) error.WriteLine(e);
            else if (!user) error.WriteLine("This is a bug in onnx-kto, not in what you gave it: rerun with --verbose for the stack trace and report it.");
            return 1;
        }
    }

    /// <summary>Failures whose message is the whole story: the input is wrong or the environment cannot run it.</summary>
    private static bool IsUserError(Exception e) =>
        e is UserError or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or NotSupportedException or OnnxRuntimeFailure or DeviceUnavailableException;
}
