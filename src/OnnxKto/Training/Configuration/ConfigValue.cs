using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// The type of a config key: what it must be (for errors), how a YAML node is read as one, and the plain value
/// (number, string, bool, list of strings or null) it is written as.
/// </summary>
internal sealed class ConfigValue<T>(string expected, Func<YamlNode, string, ConfigSource, T> parse, Func<T, object?> format)
{
    /// <summary>What a value must be, e.g. "an integer" or "one of kto, apo_zero_unpaired, sft".</summary>
    public string Expected => expected;

    public T Parse(YamlNode node, string key, ConfigSource source) => parse(node, key, source);

    public object? Format(T value) => format(value);

    /// <summary>This type, with <c>null</c> read as <paramref name="whenNull"/> (written as the value itself).</summary>
    public ConfigValue<T> NullMeans(T whenNull) =>
        new(expected, (v, k, s) => ConfigValue.IsNull(v) ? whenNull : parse(v, k, s), format);
}

/// <summary>The config key types.</summary>
internal static class ConfigValue
{
    public static bool IsNull(YamlNode v) => v is YamlScalarNode { Value: null or "null" or "~" or "" };

    public static ConfigValue<double> Number { get; } = new("a number",
        (v, k, s) => double.TryParse(Scalar(v, k, s, "a number"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw s.TypeError(v, k, "a number"),
        d => d);

    public static ConfigValue<int> Integer { get; } = new("an integer",
        (v, k, s) => int.TryParse(Scalar(v, k, s, "an integer"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i : throw s.TypeError(v, k, "an integer"),
        i => i);

    public static ConfigValue<double> PositiveNumber { get; } = Positive(Number, "a positive number");

    public static ConfigValue<int> PositiveInteger { get; } = Positive(Integer, "a positive integer");

    /// <summary>A positive number, or <c>auto</c> (null).</summary>
    public static ConfigValue<double?> PositiveNumberOrAuto { get; } = new("a positive number or auto",
        (v, k, s) => v is YamlScalarNode { Value: "auto" } ? null : PositiveNumber.Parse(v, k, s),
        d => d is { } value ? value : "auto");

    /// <summary>A number in [0, 1), e.g. a moving-average decay.</summary>
    public static ConfigValue<double> UnitInterval { get; } = new("a number in [0, 1)",
        (v, k, s) => Number.Parse(v, k, s) is var d && d >= 0 && d < 1 ? d : throw s.Error(k, $"must be in [0, 1), got {Scalar(v, k, s, "a number")}."),
        d => d);

    /// <summary>A positive integer, or null (no limit).</summary>
    public static ConfigValue<int?> OptionalPositiveInteger { get; } = new("a positive integer or null",
        (v, k, s) => IsNull(v) ? null : PositiveInteger.Parse(v, k, s), i => i);

    public static ConfigValue<bool> Bool { get; } = new("true or false",
        (v, k, s) => Scalar(v, k, s, "true or false").ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw s.TypeError(v, k, "true or false"),
        },
        b => b);

    /// <summary>true, false, or <c>auto</c> (null): the run decides.</summary>
    public static ConfigValue<bool?> BoolOrAuto { get; } = new("true, false or auto",
        (v, k, s) => v is YamlScalarNode { Value: "auto" } ? null : Bool.Parse(v, k, s),
        b => b is { } value ? value : "auto");

    public static ConfigValue<string?> OptionalString { get; } = new("a string or null",
        (v, k, s) => IsNull(v) ? null : Scalar(v, k, s, "a string"), t => t);

    /// <summary>One of an enum's config names (<paramref name="name"/>), or one of <paramref name="aliases"/>.</summary>
    public static ConfigValue<TEnum> Choice<TEnum>(Func<TEnum, string> name, params IReadOnlyList<(string Name, TEnum Value)> aliases)
        where TEnum : struct, Enum
    {
        var options = Enum.GetValues<TEnum>().Select(e => (Name: name(e), Value: e)).Concat(aliases).ToList();
        var expected = "one of " + string.Join(", ", options.Select(o => o.Name));
        return new(expected, (v, k, s) =>
        {
            var text = Scalar(v, k, s, "a string");
            foreach (var (n, value) in options) if (n == text) return value;
            throw s.TypeError(v, k, expected);
        }, e => name(e));
    }

    /// <summary>Regular expressions: a list, or one string; null is none.</summary>
    public static ConfigValue<IReadOnlyList<string>> Patterns { get; } = new("a list of regular expressions",
        (v, k, s) =>
        {
            IReadOnlyList<string> list = IsNull(v) ? []
                : v is YamlSequenceNode seq ? seq.Children.Select(c => Scalar(c, k, s, "a string")).ToList()
                : [Scalar(v, k, s, "a string")];
            foreach (var pattern in list)
                try { _ = new Regex(pattern); }
                catch (ArgumentException e) { throw s.Error(k, $"pattern '{pattern}' is not a valid regular expression: {e.Message}"); }
            return list;
        },
        list => list.ToArray());

    /// <summary>Names: a list, or one string; null is none.</summary>
    public static ConfigValue<IReadOnlyList<string>> Names { get; } = new("a list of names",
        (v, k, s) => IsNull(v) ? []
            : v is YamlSequenceNode seq ? seq.Children.Select(c => Scalar(c, k, s, "a string")).ToList()
            : [Scalar(v, k, s, "a string")],
        list => list.ToArray());

    /// <summary>Hugging Face's <c>optim_args</c> string, of which only <c>momentum=&lt;number&gt;</c> (for sgd) applies.</summary>
    public static ConfigValue<double> OptimArgs { get; } = new("'momentum=<number>'",
        (v, k, s) =>
        {
            if (IsNull(v)) return 0;
            foreach (var part in Scalar(v, k, s, "a string").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length == 2 && kv[0] == "momentum" && double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) return m;
                throw s.Error(k, $"supports only 'momentum=<number>', got '{part}'.");
            }
            return 0;
        },
        m => "momentum=" + m.ToString("R", CultureInfo.InvariantCulture));

    private static ConfigValue<T> Positive<T>(ConfigValue<T> inner, string expected) where T : struct, IComparable<T> =>
        new(expected, (v, k, s) =>
        {
            var value = inner.Parse(v, k, s);
            return value.CompareTo(default) > 0 ? value : throw s.Error(k, $"must be positive, got {value}.");
        }, inner.Format);

    private static string Scalar(YamlNode v, string key, ConfigSource source, string expected) =>
        v is YamlScalarNode { Value: { } s } ? s : throw source.TypeError(v, key, expected);
}
