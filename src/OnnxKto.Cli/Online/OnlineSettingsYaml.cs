using System.Globalization;
using OnnxKto.Training.Configuration;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace OnnxKto.Cli.Online;

/// <summary>
/// Reads <c>online.yaml</c> and <c>--set key=value</c> assignments into <see cref="OnlineSettings"/>, and writes
/// settings back as <c>online.yaml</c> (what a run records and the demo runs). The KTO config
/// sits under <c>train:</c> (a mapping of <c>kto.yaml</c> keys, read by <see cref="KtoConfigReader"/>), on the command
/// line as <c>--set train.beta=0.2</c>. Errors name the file or <c>--set</c> and the key.
/// </summary>
public static class OnlineSettingsYaml
{
    private delegate OnlineSettings Setter(OnlineSettings settings, YamlNode value, string where, string key);

    /// <summary>A key: how a YAML value sets it, and its value as <see cref="ToYaml"/> writes it.</summary>
    private sealed record Key(Setter Read, Func<OnlineSettings, object?> Write);

    private static readonly OrderedDictionary<string, Key> Keys = new(StringComparer.Ordinal)
    {
        ["rounds"] = new((s, v, w, k) => s with { Rounds = Int(v, w, k) }, s => s.Rounds),
        ["model"] = new((s, v, w, k) => s with { Model = Text(v, w, k) }, s => s.Model),
        ["prompts"] = new((s, v, w, k) => s with { Prompts = Text(v, w, k) }, s => s.Prompts),
        ["held_out"] = new((s, v, w, k) => s with { HeldOut = Text(v, w, k) }, s => s.HeldOut),
        ["num_samples"] = new((s, v, w, k) => s with { NumSamples = Int(v, w, k) }, s => s.NumSamples),
        ["temperature"] = new((s, v, w, k) => s with { Temperature = Number(v, w, k) }, s => s.Temperature),
        ["top_p"] = new((s, v, w, k) => s with { TopP = Number(v, w, k) }, s => s.TopP),
        ["max_new_tokens"] = new((s, v, w, k) => s with { MaxNewTokens = Int(v, w, k) }, s => s.MaxNewTokens),
        ["stop"] = new((s, v, w, k) => s with { Stop = Texts(v, w, k) }, s => s.Stop),
        ["seed"] = new((s, v, w, k) => s with { Seed = Int(v, w, k) }, s => s.Seed),
        ["batch_size"] = new((s, v, w, k) => s with { BatchSize = Int(v, w, k) }, s => s.BatchSize),
        ["chat_template"] = new((s, v, w, k) => s with { ChatTemplate = OptionalText(v, w, k) }, s => s.ChatTemplate),
        ["verifier"] = new((s, v, w, k) => s with { Verifier = OptionalText(v, w, k) }, s => s.Verifier),
        ["threshold"] = new((s, v, w, k) => s with { Threshold = IsNull(v) ? null : Number(v, w, k) }, s => s.Threshold),
        ["exact"] = new((s, v, w, k) => s with { Exact = OptionalText(v, w, k) }, s => s.Exact),
        ["regex"] = new((s, v, w, k) => s with { Regex = OptionalText(v, w, k) }, s => s.Regex),
        ["reference"] = new((s, v, w, k) => s with { Reference = Text(v, w, k) switch
        {
            "round" => OnlineReference.Round,
            "initial" => OnlineReference.Initial,
            var other => throw new InvalidDataException($"{w}: '{k}' must be 'round' or 'initial', got '{other}'."),
        } }, s => s.Reference.ToString().ToLowerInvariant()),
        ["train"] = new((s, v, w, k) => s with { Train = TrainSection(v, w, k) }, s => KtoConfigWriter.ToDictionary(s.Train)),
    };

    private static readonly ISerializer Serializer = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases().Build();

    /// <summary>Every key of <paramref name="settings"/> as <c>online.yaml</c> text, which <see cref="Parse"/> reads back to the same settings.</summary>
    public static string ToYaml(OnlineSettings settings) =>
        Serializer.Serialize(Keys.ToDictionary(k => k.Key, k => k.Value.Write(settings)));

    /// <summary>The settings in <paramref name="path"/> with <paramref name="assignments"/> applied over them, checked.</summary>
    /// <exception cref="InvalidDataException">Malformed YAML, an unknown key or a value of the wrong type, named.</exception>
    /// <exception cref="UserError">A required key missing or a value out of range, named.</exception>
    public static OnlineSettings Load(string? path, IEnumerable<string> assignments)
    {
        var settings = new OnlineSettings();
        if (path is not null)
        {
            if (!File.Exists(path)) throw new UserError($"Online config '{path}' does not exist.");
            settings = Parse(File.ReadAllText(path), path);
        }
        foreach (var assignment in assignments)
        {
            int equals = assignment.IndexOf('=');
            if (equals <= 0) throw new InvalidDataException($"--set: expected key=value (e.g. --set rounds=3), got '{assignment}'.");
            var key = assignment[..equals].Trim();
            var text = assignment[(equals + 1)..];
            settings = key.StartsWith("train.", StringComparison.Ordinal)
                ? settings with { Train = Report(KtoConfigReader.ApplyAssignments(settings.Train, [$"{key["train.".Length..]}={text}"])) }
                : Apply(settings, key, KtoConfigReader.LoadYaml(text, $"--set {key}") ?? new YamlScalarNode(""), "--set");
        }
        return Checked(settings);
    }

    /// <summary>Settings from YAML text over the defaults; <paramref name="source"/> names it in errors. Not yet checked.</summary>
    /// <exception cref="InvalidDataException">Malformed YAML, an unknown key or a value of the wrong type, named.</exception>
    public static OnlineSettings Parse(string text, string source)
    {
        var settings = new OnlineSettings();
        var root = KtoConfigReader.LoadYaml(text, source);
        if (root is null or YamlScalarNode { Value: null or "" }) return settings;
        if (root is not YamlMappingNode map)
            throw new InvalidDataException($"{source}: expected a mapping of keys to values (e.g. 'rounds: 3').");
        foreach (var (key, value) in map.Children)
            settings = Apply(settings, ((YamlScalarNode)key).Value ?? "", value, $"{source} (line {key.Start.Line})");
        return settings;
    }

    private static OnlineSettings Apply(OnlineSettings settings, string key, YamlNode value, string where) =>
        Keys.TryGetValue(key, out var known) ? known.Read(settings, value, where, key)
            : throw new InvalidDataException($"{where}: unknown key '{key}'. Valid keys: {string.Join(", ", Keys.Keys)}; " +
                $"KTO config keys such as beta go under 'train:' (or --set train.{key}=...).");

    private static OnlineSettings Checked(OnlineSettings s)
    {
        foreach (var (key, value) in new[] { ("model", s.Model), ("prompts", s.Prompts), ("held_out", s.HeldOut) })
            if (string.IsNullOrWhiteSpace(value)) throw new UserError($"online: '{key}' is required (in the config or --set {key}=...).");
        foreach (var (key, value) in new[] { ("rounds", s.Rounds), ("num_samples", s.NumSamples), ("max_new_tokens", s.MaxNewTokens), ("batch_size", s.BatchSize) })
            if (value < 1) throw new UserError($"online: '{key}' must be at least 1, got {value}.");
        if (!(s.Temperature > 0)) throw new UserError($"online: 'temperature' must be above 0 for sampling, got {s.Temperature.ToString(CultureInfo.InvariantCulture)}.");
        if (!(s.TopP > 0 && s.TopP <= 1)) throw new UserError($"online: 'top_p' must be in (0, 1], got {s.TopP.ToString(CultureInfo.InvariantCulture)}.");
        if (new[] { s.Verifier, s.Exact, s.Regex }.Count(v => v is not null) != 1)
            throw new UserError("online needs exactly one of the keys 'verifier' (a command), 'exact' (a column) or 'regex' (a pattern).");
        if (s.Threshold is not null && s.Verifier is null) throw new UserError("online: 'threshold' applies to a 'verifier' that replies with scores.");
        return s;
    }

    private static KtoConfig TrainSection(YamlNode value, string where, string key)
    {
        if (value is not YamlMappingNode map) throw new InvalidDataException($"{where}: '{key}' must be a mapping of KTO config keys (e.g. 'beta: 0.1').");
        using var text = new StringWriter();
        new YamlStream(new YamlDocument(map)).Save(text, assignAnchors: false);
        return Report(KtoConfigReader.Parse(text.ToString(), $"{where} '{key}:' section"));
    }

    private static KtoConfig Report((KtoConfig Config, IReadOnlyList<string> Notes) read)
    {
        foreach (var note in read.Notes) Console.Error.WriteLine($"note: {note}");
        return read.Config;
    }

    private static bool IsNull(YamlNode v) => v is YamlScalarNode { Value: null or "" or "null" or "~" };

    private static string Text(YamlNode v, string where, string key) =>
        v is YamlScalarNode { Value: { Length: > 0 } s } && !IsNull(v) ? s : throw new InvalidDataException($"{where}: '{key}' must be a text value.");

    private static string? OptionalText(YamlNode v, string where, string key) => IsNull(v) ? null : Text(v, where, key);

    private static int Int(YamlNode v, string where, string key) =>
        v is YamlScalarNode { Value: { } s } && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new InvalidDataException($"{where}: '{key}' must be an integer, got '{(v as YamlScalarNode)?.Value ?? v.NodeType.ToString()}'.");

    private static double Number(YamlNode v, string where, string key) =>
        v is YamlScalarNode { Value: { } s } && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x
            : throw new InvalidDataException($"{where}: '{key}' must be a number, got '{(v as YamlScalarNode)?.Value ?? v.NodeType.ToString()}'.");

    private static IReadOnlyList<string> Texts(YamlNode v, string where, string key) => v switch
    {
        YamlSequenceNode list => list.Children.Select(c => c is YamlScalarNode { Value: { } s } ? s
            : throw new InvalidDataException($"{where}: '{key}' must be a list of texts.")).ToList(),
        YamlScalarNode when IsNull(v) => [],
        YamlScalarNode { Value: { } one } => [one],
        _ => throw new InvalidDataException($"{where}: '{key}' must be a list of texts, e.g. [\"\\n\"]."),
    };
}
