using YamlDotNet.RepresentationModel;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// One key of <c>kto.yaml</c>, as <see cref="KtoConfigKeys"/> lists it: its name, type, default and meaning, and how it
/// is read into and written from a <see cref="KtoConfig"/>.
/// </summary>
internal sealed class ConfigKey
{
    private readonly Func<KtoConfig, object?> _write;
    private readonly Func<KtoConfig, YamlNode, ConfigSource, KtoConfig> _read;

    internal ConfigKey(string name, string section, bool baked, string type, string doc,
        Func<KtoConfig, object?> write, Func<KtoConfig, YamlNode, ConfigSource, KtoConfig> read)
    {
        Name = name;
        Section = section;
        Baked = baked;
        Type = type;
        Doc = doc;
        _write = write;
        _read = read;
    }

    /// <summary>The key, e.g. <c>max_length</c>.</summary>
    public string Name { get; }

    /// <summary>The <see cref="KtoConfig"/> record that holds it, e.g. <c>Data</c>.</summary>
    public string Section { get; }

    /// <summary>Whether the artifacts' graphs depend on it, so that <c>train</c> must use the artifacts' value.</summary>
    public bool Baked { get; }

    /// <summary>What a value must be, e.g. "a positive integer".</summary>
    public string Type { get; }

    /// <summary>What it does.</summary>
    public string Doc { get; }

    /// <summary>The value in a default config.</summary>
    public object? Default => Write(new KtoConfig());

    /// <summary>The value in <paramref name="config"/> as YAML/JSON writes it: a number, string, bool, list of strings or null.</summary>
    public object? Write(KtoConfig config) => _write(config);

    /// <summary><paramref name="config"/> with this key set from <paramref name="value"/>.</summary>
    /// <exception cref="InvalidDataException">The value is not of this key's type; the message names the key.</exception>
    internal KtoConfig Read(KtoConfig config, YamlNode value, ConfigSource source) => _read(config, value, source);
}
