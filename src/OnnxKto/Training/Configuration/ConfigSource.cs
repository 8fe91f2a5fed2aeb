using YamlDotNet.RepresentationModel;

namespace OnnxKto.Training.Configuration;

/// <summary>Where config values come from, for error messages: a file (whose line numbers help) or <c>--set</c>.</summary>
/// <param name="Name">The file path, or <c>--set</c>.</param>
/// <param name="HasLines">Whether line numbers point somewhere useful.</param>
internal sealed record ConfigSource(string Name, bool HasLines)
{
    /// <summary>The command-line assignments.</summary>
    public static ConfigSource CommandLine { get; } = new("--set", false);

    /// <summary>" (line N)" for a file, nothing for the command line.</summary>
    public string At(YamlNode node) => HasLines ? $" (line {node.Start.Line})" : "";

    /// <summary>The error for a value of the wrong type, naming the key and what it must be.</summary>
    public InvalidDataException TypeError(YamlNode value, string key, string expected) =>
        new($"{Name}: '{key}'{At(value)} must be {expected}, got '{(value is YamlScalarNode s ? s.Value : value.NodeType.ToString())}'.");

    /// <summary>An error about a key's value that is not about its type.</summary>
    public InvalidDataException Error(string key, string message) => new($"{Name}: '{key}' {message}");
}
