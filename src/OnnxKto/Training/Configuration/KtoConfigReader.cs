using YamlDotNet.RepresentationModel;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// Reads <c>kto.yaml</c> (JSON is valid YAML) and <c>--set key=value</c> assignments into a <see cref="KtoConfig"/>
/// through <see cref="KtoConfigKeys"/>. An unknown key is an error that suggests the nearest valid one; a value of the
/// wrong type names the key and the expected type. Keys that TRL/HF configs carry but that do not apply here
/// (output_dir, bf16, report_to, ...) are reported as ignored.
/// </summary>
public static class KtoConfigReader
{
    /// <summary>The configuration in <paramref name="path"/>, plus notes on ignored keys.</summary>
    /// <exception cref="InvalidDataException">Unknown key (with a suggestion), wrong type, or malformed YAML.</exception>
    public static (KtoConfig Config, IReadOnlyList<string> Notes) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML or JSON text over the defaults; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Unknown key (with a suggestion), wrong type, or malformed YAML.</exception>
    public static (KtoConfig Config, IReadOnlyList<string> Notes) Parse(string text, string source)
    {
        var config = new KtoConfig();
        var notes = new List<string>();
        var where = new ConfigSource(source, HasLines: true);
        var root = LoadYaml(text, source);
        if (root is null or YamlScalarNode { Value: null or "" }) return (config, notes);
        if (root is not YamlMappingNode map)
            throw new InvalidDataException($"{source}: expected a mapping of keys to values (e.g. 'beta: 0.1').");
        foreach (var (keyNode, value) in map.Children)
            config = Apply(config, ((YamlScalarNode)keyNode).Value ?? "", value, where, keyNode, notes);
        return (config, notes);
    }

    /// <summary>
    /// <paramref name="config"/> with <c>--set key=value</c> assignments applied in order, each value read as YAML
    /// (<c>beta=0.2</c>, <c>frozen=[wte, wpe]</c>, <c>max_prompt_length=null</c>) and type-checked as in a file.
    /// </summary>
    /// <exception cref="InvalidDataException">Not key=value, an unknown key, or a value of the wrong type.</exception>
    public static (KtoConfig Config, IReadOnlyList<string> Notes) ApplyAssignments(KtoConfig config, IEnumerable<string> assignments)
    {
        var notes = new List<string>();
        var where = ConfigSource.CommandLine;
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new InvalidDataException($"{where.Name}: expected key=value (e.g. --set beta=0.2), got '{assignment}'.");
            var key = assignment[..equals].Trim();
            var value = LoadYaml(assignment[(equals + 1)..], $"{where.Name} {key}") ?? new YamlScalarNode("");
            config = Apply(config, key, value, where, null, notes);
        }
        return (config, notes);
    }

    private static KtoConfig Apply(KtoConfig config, string key, YamlNode value, ConfigSource where, YamlNode? keyNode, List<string> notes)
    {
        if (KtoConfigKeys.Find(key) is { } known) return known.Read(config, value, where);
        if (KtoConfigKeys.Ignored.Contains(key))
        {
            notes.Add($"{where.Name}: '{key}' does not apply to OnnxKto and is ignored.");
            return config;
        }
        var line = keyNode is null ? "" : where.At(keyNode);
        throw new InvalidDataException(
            $"{where.Name}: unknown key '{key}'{line}. Did you mean '{KtoConfigKeys.Nearest(key)}'? Valid keys: {string.Join(", ", KtoConfigKeys.All.Select(k => k.Name))}.");
    }

    /// <summary>The root node of the YAML (or JSON) <paramref name="text"/>, or null when it is empty.</summary>
    /// <param name="text">The document.</param>
    /// <param name="source">What to name in errors: a file, or <c>--set key</c>.</param>
    /// <exception cref="InvalidDataException">Not valid YAML; the message names <paramref name="source"/> and the line.</exception>
    public static YamlNode? LoadYaml(string text, string source)
    {
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{source}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }
        return yaml.Documents.Count == 0 ? null : yaml.Documents[0].RootNode;
    }
}
