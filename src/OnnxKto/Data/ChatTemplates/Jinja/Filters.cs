using System.Globalization;
using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Jinja2's built-in filters that chat templates use, with their Python behaviour (and transformers' <c>tojson</c>).
/// An unknown filter is an error naming it.
/// </summary>
internal static class Filters
{
    private delegate object? Filter(object? value, IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs);

    private static readonly Dictionary<string, Filter> Table = new()
    {
        ["abs"] = (v, a, k) => { Read("abs", a, k); return v is double d ? (object)Math.Abs(d) : Math.Abs(PyValues.ToLong(Number(v))); },
        ["capitalize"] = (v, a, k) => { Read("capitalize", a, k); return Methods.Capitalize(PyValues.Str(v)); },
        ["count"] = Length,
        ["d"] = Default,
        ["default"] = Default,
        ["dictsort"] = DictSort,
        ["e"] = Escape,
        ["escape"] = Escape,
        ["first"] = (v, a, k) => { Read("first", a, k); return PyValues.Iterate(v).Take(1).DefaultIfEmpty(new Undefined("No first item, sequence was empty.")).First(); },
        ["float"] = ToFloat,
        ["indent"] = Indent,
        ["int"] = ToInt,
        ["items"] = Items,
        ["join"] = Join,
        ["last"] = Last,
        ["length"] = Length,
        ["list"] = (v, a, k) => { Read("list", a, k); return PyValues.Iterate(v).ToList(); },
        ["lower"] = (v, a, k) => { Read("lower", a, k); return PyValues.Str(v).ToLowerInvariant(); },
        ["map"] = Map,
        ["max"] = (v, a, k) => MinMax("max", v, a, k, 1),
        ["min"] = (v, a, k) => MinMax("min", v, a, k, -1),
        ["reject"] = (v, a, k) => Select(v, a, k, attribute: false, keep: false),
        ["rejectattr"] = (v, a, k) => Select(v, a, k, attribute: true, keep: false),
        ["replace"] = Replace,
        ["reverse"] = (v, a, k) => { Read("reverse", a, k); return v is string s ? string.Concat(PyValues.CodePoints(s).Reverse()) : PyValues.Iterate(v).Reverse().ToList(); },
        ["round"] = Round,
        ["safe"] = (v, a, k) => { Read("safe", a, k); return v; },
        ["select"] = (v, a, k) => Select(v, a, k, attribute: false, keep: true),
        ["selectattr"] = (v, a, k) => Select(v, a, k, attribute: true, keep: true),
        ["sort"] = Sort,
        ["string"] = (v, a, k) => { Read("string", a, k); return PyValues.Str(v); },
        ["sum"] = Sum,
        ["title"] = (v, a, k) => { Read("title", a, k); return Methods.Title(PyValues.Str(v)); },
        ["tojson"] = ToJson,
        ["trim"] = (v, a, k) => Methods.Strip(PyValues.Str(v), Read("trim", a, k, "chars").String("chars"), true, true),
        ["unique"] = Unique,
        ["upper"] = (v, a, k) => { Read("upper", a, k); return PyValues.Str(v).ToUpperInvariant(); },
        ["wordcount"] = (v, a, k) => { Read("wordcount", a, k); return (long)PyValues.Str(v).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length; },
    };

    /// <summary>Applies the filter <paramref name="name"/>.</summary>
    /// <exception cref="RenderError">Unknown filter, bad arguments, or the filter's own error.</exception>
    public static object? Apply(string name, object? value, IReadOnlyList<object?> args, IReadOnlyList<KeyValuePair<string, object?>> kwargs) =>
        Table.TryGetValue(name, out var filter) ? filter(value, args, kwargs)
            : throw new RenderError($"unsupported filter '{name}' (this engine knows {string.Join(", ", Table.Keys.Order())}).");

    /// <summary>True when a filter called <paramref name="name"/> exists (Jinja's <c>filter</c> test).</summary>
    public static bool Exists(string name) => Table.ContainsKey(name);

    private static ArgReader Read(string name, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k, params string[] parameters) =>
        new(name, a, k, parameters);

    private static object? Number(object? v) => PyValues.IsNumber(v) ? v
        : v is Undefined u ? throw u.Fail()
        : throw new RenderError($"TypeError: bad operand type for abs(): '{PyValues.TypeName(v)}'");

    private static object? Length(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        Read("length", a, k);
        return PyValues.Length(v);
    }

    private static object? Default(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("default", a, k, "default_value", "boolean");
        bool boolean = PyValues.Truthy(r.Get("boolean", false));
        return v is Undefined || (boolean && !PyValues.Truthy(v)) ? r.Get("default_value", "") : v;
    }

    private static object? DictSort(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("dictsort", a, k, "case_sensitive", "by", "reverse");
        if (v is Undefined u) throw u.Fail();
        if (v is not OrderedDictionary<object, object?> dict) throw new RenderError($"AttributeError: '{PyValues.TypeName(v)}' object has no attribute 'items'");
        bool caseSensitive = PyValues.Truthy(r.Get("case_sensitive", false));
        int pos = (r.String("by") ?? "key") switch
        {
            "key" => 0,
            "value" => 1,
            var by => throw new RenderError($"FilterArgumentError: You can only sort by either \"key\" or \"value\", not '{by}'"),
        };
        var pairs = dict.Select(kv => new object?[] { kv.Key, kv.Value }).ToList();
        var sorted = SortBy(pairs, p => SortKey(p[pos], caseSensitive), PyValues.Truthy(r.Get("reverse", false)));
        return sorted.Select(p => (object?)p).ToList();
    }

    private static object? SortKey(object? v, bool caseSensitive) => !caseSensitive && v is string s ? s.ToLowerInvariant() : v;

    // A stable sort with Python's ordering (reverse keeps equal items in their order, as sorted(reverse=True) does).
    private static List<T> SortBy<T>(List<T> items, Func<T, object?> key, bool reverse)
    {
        var comparer = Comparer<object?>.Create((x, y) => PyValues.Compare(x, y, "<"));
        return reverse ? [.. items.OrderByDescending(key, comparer)] : [.. items.OrderBy(key, comparer)];
    }

    private static object? Escape(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        Read("escape", a, k);
        return PyValues.Str(v).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&#34;").Replace("'", "&#39;");
    }

    private static object? ToFloat(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("float", a, k, "default");
        return v switch
        {
            double d => d,
            long or bool => PyValues.ToDouble(v),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => r.Get("default", 0.0),
        };
    }

    private static object? ToInt(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("int", a, k, "default", "base");
        return v switch
        {
            long or bool => PyValues.ToLong(v),
            double d => (long)Math.Truncate(d),
            string s when long.TryParse(s.Trim().Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
            _ => r.Get("default", 0L),
        };
    }

    private static object? Indent(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("indent", a, k, "width", "first", "blank");
        var width = r.Get("width", 4L);
        string pad = width is string w ? w : new string(' ', (int)PyValues.ToLong(width));
        bool first = PyValues.Truthy(r.Get("first", false)), blank = PyValues.Truthy(r.Get("blank", false));
        // Jinja's do_indent: s + "\n" split into lines, blank lines indented only with blank=True.
        var lines = (PyValues.Str(v) + "\n").Split('\n').SkipLast(1).ToList();
        string rv = blank
            ? string.Join("\n" + pad, lines)
            : lines[0] + (lines.Count > 1 ? "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? pad + l : l)) : "");
        return first ? pad + rv : rv;
    }

    private static object? Items(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        Read("items", a, k);
        return v switch
        {
            Undefined => new List<object?>(),
            OrderedDictionary<object, object?> d => d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList(),
            _ => throw new RenderError("TypeError: Can only get item pairs from a mapping."),
        };
    }

    private static object? Join(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("join", a, k, "d", "attribute");
        var items = PyValues.Iterate(v);
        if (r.Get("attribute") is { } attr) items = items.Select(x => Path(x, attr));
        return string.Join(r.String("d") ?? "", items.Select(PyValues.Str));
    }

    private static object? Last(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        Read("last", a, k);
        if (v is Undefined u) throw u.Fail();
        var items = PyValues.Iterate(v).ToList();
        return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty.");
    }

    // Jinja's attribute paths: "a.b" or "0".
    private static object? Path(object? item, object? attribute)
    {
        if (attribute is long index) return Access.Item(item, index);
        foreach (var part in PyValues.Str(attribute).Split('.'))
            item = long.TryParse(part, out var i) ? Access.Item(item, i) : Access.Item(item, part);
        return item;
    }

    private static object? Map(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var items = PyValues.Iterate(v);
        var attribute = k.FirstOrDefault(kv => kv.Key == "attribute");
        if (attribute.Key is not null)
        {
            var fallback = k.FirstOrDefault(kv => kv.Key == "default");
            if (a.Count > 0 || k.Any(kv => kv.Key is not ("attribute" or "default")))
                throw new RenderError("TypeError: map(attribute=...) takes only 'attribute' and 'default'");
            return items.Select(x =>
            {
                var y = Path(x, attribute.Value);
                return y is Undefined && fallback.Key is not null ? fallback.Value : y;
            }).ToList();
        }
        if (a.Count == 0 || a[0] is not string filter) throw new RenderError("TypeError: map requires a filter name or attribute=");
        var rest = a.Skip(1).ToList();
        return items.Select(x => Apply(filter, x, rest, k)).ToList();
    }

    private static object? MinMax(string name, object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k, int sign)
    {
        var r = Read(name, a, k, "case_sensitive", "attribute");
        bool caseSensitive = PyValues.Truthy(r.Get("case_sensitive", false));
        var items = PyValues.Iterate(v).ToList();
        if (items.Count == 0) return new Undefined($"No aggregated item, sequence was empty.");
        object? Key(object? x) => SortKey(r.Get("attribute") is { } attr ? Path(x, attr) : x, caseSensitive);
        var best = items[0];
        foreach (var x in items.Skip(1))
            if (PyValues.Compare(Key(x), Key(best), "<") * sign > 0) best = x;
        return best;
    }

    private static object? Select(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k, bool attribute, bool keep)
    {
        var items = PyValues.Iterate(v);
        int at = 0;
        object? attr = null;
        if (attribute)
        {
            if (a.Count == 0) throw new RenderError("TypeError: selectattr/rejectattr need an attribute name");
            attr = a[at++];
        }
        string? test = a.Count > at ? a[at++] as string ?? throw new RenderError("TypeError: the test name must be a string") : null;
        var testArgs = a.Skip(at).ToList();
        bool Passes(object? x)
        {
            var subject = attribute ? Path(x, attr) : x;
            return test is null ? PyValues.Truthy(subject) : PyValues.Truthy(Tests.Apply(test, subject, testArgs, k));
        }
        return items.Where(x => Passes(x) == keep).ToList();
    }

    private static object? Replace(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("replace", a, k, "old", "new", "count");
        var method = Methods.Bind(PyValues.Str(v), "replace")!;
        var args = new List<object?> { PyValues.Str(r.Get("old")), PyValues.Str(r.Get("new")) };
        if (r.Get("count") is { } count) args.Add(count);
        return method.Call(args, []);
    }

    private static object? Round(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("round", a, k, "precision", "method");
        int precision = (int)r.Long("precision", 0);
        double x = PyValues.ToDouble(Number(v)), scale = Math.Pow(10, precision);
        return (r.String("method") ?? "common") switch
        {
            "common" => Math.Round(x * scale, MidpointRounding.AwayFromZero) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            "ceil" => Math.Ceiling(x * scale) / scale,
            _ => throw new RenderError("FilterArgumentError: method must be common, ceil or floor"),
        };
    }

    private static object? Sort(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("sort", a, k, "reverse", "case_sensitive", "attribute");
        bool caseSensitive = PyValues.Truthy(r.Get("case_sensitive", false));
        var attr = r.Get("attribute");
        return SortBy(PyValues.Iterate(v).ToList(), x => SortKey(attr is null ? x : Path(x, attr), caseSensitive), PyValues.Truthy(r.Get("reverse", false)));
    }

    private static object? Sum(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("sum", a, k, "attribute", "start");
        var attr = r.Get("attribute");
        object? total = r.Get("start", 0L);
        foreach (var x in PyValues.Iterate(v)) total = Operators.Binary("+", total, attr is null ? x : Path(x, attr));
        return total;
    }

    private static object? ToJson(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("tojson", a, k, "ensure_ascii", "indent", "separators", "sort_keys");
        string? indent = r.Get("indent") switch
        {
            null => null,
            string s => s,
            var n => new string(' ', (int)PyValues.ToLong(n)),
        };
        string? itemSep = null, keySep = null;
        if (r.Get("separators") is IList<object?> { Count: 2 } seps)
            (itemSep, keySep) = (PyValues.Str(seps[0]), PyValues.Str(seps[1]));
        return PyJson.Dumps(v, indent, itemSep, keySep, PyValues.Truthy(r.Get("sort_keys", false)), PyValues.Truthy(r.Get("ensure_ascii", false)));
    }

    private static object? Unique(object? v, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var r = Read("unique", a, k, "case_sensitive", "attribute");
        bool caseSensitive = PyValues.Truthy(r.Get("case_sensitive", false));
        var attr = r.Get("attribute");
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var x in PyValues.Iterate(v))
        {
            var key = SortKey(attr is null ? x : Path(x, attr), caseSensitive);
            if (seen.Any(s => PyValues.Equal(s, key))) continue;
            seen.Add(key);
            result.Add(x);
        }
        return result;
    }
}
