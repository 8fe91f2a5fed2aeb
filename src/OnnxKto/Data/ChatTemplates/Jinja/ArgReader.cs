namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>Binds call arguments to a Python-style parameter list (<c>name</c>, <c>name=default</c>) for filters, tests and methods.</summary>
internal sealed class ArgReader
{
    private readonly object?[] _values;
    private readonly bool[] _given;
    private readonly string[] _names;

    /// <summary>Binds <paramref name="args"/> and <paramref name="kwargs"/> to <paramref name="parameters"/>.</summary>
    /// <exception cref="RenderError">Too many arguments or an unknown keyword, worded as Python's TypeError.</exception>
    public ArgReader(string function, IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs, params string[] parameters)
    {
        _names = parameters;
        _values = new object?[parameters.Length];
        _given = new bool[parameters.Length];
        if (args.Count > parameters.Length)
            throw new RenderError($"TypeError: {function}() takes at most {parameters.Length} argument(s) ({args.Count} given)");
        for (int i = 0; i < args.Count; i++) (_values[i], _given[i]) = (args[i], true);
        foreach (var (key, value) in kwargs)
        {
            int i = Array.IndexOf(parameters, key);
            if (i < 0) throw new RenderError($"TypeError: {function}() got an unexpected keyword argument '{key}'");
            (_values[i], _given[i]) = (value, true);
        }
    }

    /// <summary>True when the parameter was passed.</summary>
    public bool Has(string name) => _given[Array.IndexOf(_names, name)];

    /// <summary>The argument, or <paramref name="fallback"/> when it was not passed.</summary>
    public object? Get(string name, object? fallback = null)
    {
        int i = Array.IndexOf(_names, name);
        return _given[i] ? _values[i] : fallback;
    }

    /// <summary>A string argument (or null when not passed or none).</summary>
    /// <exception cref="RenderError">It is not a string.</exception>
    public string? String(string name) => Get(name) switch
    {
        null => null,
        string s => s,
        var v => throw new RenderError($"TypeError: argument '{name}' must be str, not {PyValues.TypeName(v)}"),
    };

    /// <summary>An integer argument, or <paramref name="fallback"/>.</summary>
    /// <exception cref="RenderError">It is not an integer.</exception>
    public long Long(string name, long fallback) => Get(name) switch
    {
        null => fallback,
        long or bool => PyValues.ToLong(Get(name)),
        var v => throw new RenderError($"TypeError: argument '{name}' must be int, not {PyValues.TypeName(v)}"),
    };
}
