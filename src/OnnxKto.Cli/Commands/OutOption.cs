using System.CommandLine;

namespace OnnxKto.Cli.Commands;

/// <summary>
/// The one spelling every writing verb uses for where it writes: <c>-o/--out</c>, with <c>--output</c> accepted too
/// (what <c>train</c> said before, and what ONNX Runtime GenAI's model builder says).
/// </summary>
internal static class OutOption
{
    /// <summary>A <c>-o/--out</c> option of type <typeparamref name="T"/> (a file or folder).</summary>
    public static Option<T> Create<T>(string description, bool required = true) =>
        new("--out", "-o", "--output") { Description = description, Required = required };
}
