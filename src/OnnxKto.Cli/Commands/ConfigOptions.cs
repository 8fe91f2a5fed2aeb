using System.CommandLine;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Cli.Commands;

/// <summary>
/// The config options the artifacts, train and data inspect verbs share: <c>--config kto.yaml</c> and repeatable
/// <c>--set key=value</c>. Precedence: defaults &lt; file &lt; <c>--set</c>.
/// </summary>
internal static class ConfigOptions
{
    /// <summary>The <c>--config FILE</c> option; <paramref name="whenOmitted"/> says what stands in for it.</summary>
    public static Option<FileInfo?> File(string whenOmitted) =>
        new("--config", "-c") { Description = $"kto.yaml with TRL KTOConfig keys; {whenOmitted} when omitted." };

    /// <summary>The repeatable <c>--set key=value</c> option.</summary>
    public static Option<string[]> Set() => new("--set")
    {
        Description = "A config key over the config file, e.g. --set beta=0.2 (repeatable; the keys and types of kto.yaml).",
    };

    /// <summary>The config file's settings over the defaults (printing ignored keys), or the defaults.</summary>
    public static KtoConfig Load(FileInfo? file) => file is null ? new KtoConfig() : Report(KtoConfigReader.Load(file.FullName));

    /// <summary><paramref name="config"/> with the <c>--set</c> assignments applied (printing ignored keys).</summary>
    public static KtoConfig Apply(KtoConfig config, string[]? assignments) =>
        Report(KtoConfigReader.ApplyAssignments(config, assignments ?? []));

    private static KtoConfig Report((KtoConfig Config, IReadOnlyList<string> Notes) read)
    {
        foreach (var note in read.Notes) Console.Error.WriteLine($"note: {note}");
        return read.Config;
    }
}
