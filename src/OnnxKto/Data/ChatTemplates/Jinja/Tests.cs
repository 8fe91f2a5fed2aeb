namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>, ...), with Python's semantics.</summary>
internal static class Tests
{
    private delegate bool Test(object? value, object? arg);

    private static readonly Dictionary<string, Test> Table = new()
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["boolean"] = (v, _) => v is bool,
        ["false"] = (v, _) => v is false,
        ["true"] = (v, _) => v is true,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["number"] = (v, _) => PyValues.IsNumber(v),
        ["string"] = (v, _) => v is string,
        ["mapping"] = (v, _) => v is OrderedDictionary<object, object?>,
        ["sequence"] = (v, _) => v is string or IList<object?> or OrderedDictionary<object, object?>,
        ["iterable"] = (v, _) => v is string or IList<object?> or OrderedDictionary<object, object?> or Undefined,
        ["callable"] = (v, _) => v is ICallable,
        ["sameas"] = (v, a) => ReferenceEquals(v, a) || (v is null && a is null) || (v is bool b && a is bool c && b == c),
        ["eq"] = (v, a) => PyValues.Equal(v, a),
        ["equalto"] = (v, a) => PyValues.Equal(v, a),
        ["=="] = (v, a) => PyValues.Equal(v, a),
        ["ne"] = (v, a) => !PyValues.Equal(v, a),
        ["!="] = (v, a) => !PyValues.Equal(v, a),
        ["lt"] = (v, a) => PyValues.Compare(v, a, "<") < 0,
        ["lessthan"] = (v, a) => PyValues.Compare(v, a, "<") < 0,
        ["<"] = (v, a) => PyValues.Compare(v, a, "<") < 0,
        ["le"] = (v, a) => PyValues.Compare(v, a, "<=") <= 0,
        ["<="] = (v, a) => PyValues.Compare(v, a, "<=") <= 0,
        ["gt"] = (v, a) => PyValues.Compare(v, a, ">") > 0,
        ["greaterthan"] = (v, a) => PyValues.Compare(v, a, ">") > 0,
        [">"] = (v, a) => PyValues.Compare(v, a, ">") > 0,
        ["ge"] = (v, a) => PyValues.Compare(v, a, ">=") >= 0,
        [">="] = (v, a) => PyValues.Compare(v, a, ">=") >= 0,
        ["in"] = (v, a) => PyValues.Contains(a, v),
        ["odd"] = (v, _) => PyValues.ToLong(Integer(v)) % 2 != 0,
        ["even"] = (v, _) => PyValues.ToLong(Integer(v)) % 2 == 0,
        ["divisibleby"] = (v, a) => PyValues.ToLong(Integer(v)) % PyValues.ToLong(Integer(a)) == 0,
        ["lower"] = (v, _) => PyValues.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        ["upper"] = (v, _) => PyValues.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsLower),
        ["filter"] = (v, _) => v is string name && Filters.Exists(name),
        ["test"] = (v, _) => v is string name && Table!.ContainsKey(name),
    };

    private static object? Integer(object? v) => v is long or bool ? v
        : v is Undefined u ? throw u.Fail()
        : throw new RenderError($"TypeError: expected an integer, got {PyValues.TypeName(v)}");

    /// <summary>Applies the test <paramref name="name"/> to <paramref name="value"/>.</summary>
    /// <exception cref="RenderError">Unknown test or wrong arguments.</exception>
    public static bool Apply(string name, object? value, IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs)
    {
        if (!Table.TryGetValue(name, out var test))
            throw new RenderError($"unsupported test '{name}' (this engine knows {string.Join(", ", Table.Keys.Where(k => char.IsLetter(k[0])).Order())}).");
        if (args.Count + kwargs.Count > 1) throw new RenderError($"TypeError: test '{name}' takes at most one argument");
        var arg = args.Count > 0 ? args[0] : kwargs.Count > 0 ? kwargs[0].Value : null;
        return test(value, arg);
    }
}
