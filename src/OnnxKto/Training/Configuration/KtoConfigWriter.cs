using YamlDotNet.Serialization;

namespace OnnxKto.Training.Configuration;

/// <summary>Writes a <see cref="KtoConfig"/> as <c>kto.yaml</c> text, every key of <see cref="KtoConfigKeys"/> in order.</summary>
public static class KtoConfigWriter
{
    private static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases().Build();

    /// <summary>The keys and values of <paramref name="config"/>, in table order.</summary>
    public static IReadOnlyDictionary<string, object?> ToDictionary(KtoConfig config)
    {
        var values = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in KtoConfigKeys.All) values.Add(key.Name, key.Write(config));
        return values;
    }

    /// <summary>
    /// The configuration as <c>kto.yaml</c> text with TRL's key names, such that <see cref="KtoConfigReader.Parse"/>
    /// gives it back.
    /// </summary>
    public static string ToYaml(KtoConfig config) => Yaml.Serialize(ToDictionary(config));
}
