using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// The Python methods templates call on values: <c>str</c> (<c>strip</c>, <c>split</c>, <c>startswith</c>,
/// <c>replace</c>, ...), <c>dict</c> (<c>get</c>, <c>items</c>, <c>keys</c>, <c>values</c>) and <c>list</c>
/// (<c>index</c>, <c>count</c>). Methods that change a list or dict are refused, as transformers' immutable sandbox does.
/// </summary>
internal static class Methods
{
    private static readonly HashSet<string> Mutating =
        ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem"];

    /// <summary>The method <paramref name="name"/> bound to <paramref name="obj"/>, or null when it has none.</summary>
    /// <exception cref="RenderError">A method that would change a list or dict.</exception>
    public static ICallable? Bind(object? obj, string name)
    {
        Func<ArgsView, object?>? body = obj switch
        {
            string s => StringMethod(s, name),
            OrderedDictionary<object, object?> d => DictMethod(d, name),
            IList<object?> l => ListMethod(l, name),
            _ => null,
        };
        if (body is null)
        {
            if (obj is OrderedDictionary<object, object?> or IList<object?> && Mutating.Contains(name))
                throw new RenderError($"SecurityError: access to attribute '{name}' of '{PyValues.TypeName(obj)}' object is unsafe.");
            return null;
        }
        return new BuiltinFunction($"{PyValues.TypeName(obj)}.{name}", (args, kwargs) => body(new ArgsView(name, args, kwargs)));
    }

    /// <summary>The arguments of one method call.</summary>
    private sealed record ArgsView(string Name, IReadOnlyList<object?> Args, IReadOnlyList<KeyValuePair<string, object?>> Kwargs)
    {
        public ArgReader Read(params string[] parameters) => new(Name, Args, Kwargs, parameters);
    }

    private static Func<ArgsView, object?>? StringMethod(string s, string name) => name switch
    {
        "strip" => a => Strip(s, a.Read("chars").String("chars"), true, true),
        "lstrip" => a => Strip(s, a.Read("chars").String("chars"), true, false),
        "rstrip" => a => Strip(s, a.Read("chars").String("chars"), false, true),
        "split" => a => { var r = a.Read("sep", "maxsplit"); return Split(s, r.String("sep"), r.Long("maxsplit", -1)); },
        "rsplit" => a => { var r = a.Read("sep", "maxsplit"); return RSplit(s, r.String("sep"), r.Long("maxsplit", -1)); },
        "splitlines" => a => { a.Read(); return s.Split('\n').Select(x => (object?)x.TrimEnd('\r')).SkipLast(s.EndsWith('\n') ? 1 : 0).ToList(); },
        "startswith" => a => Affix(s, a.Read("prefix").Get("prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => a => Affix(s, a.Read("suffix").Get("suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal)),
        "replace" => a => { var r = a.Read("old", "new", "count"); return Replace(s, Need(r.String("old")), Need(r.String("new")), r.Long("count", -1)); },
        "upper" => a => { a.Read(); return s.ToUpperInvariant(); },
        "lower" => a => { a.Read(); return s.ToLowerInvariant(); },
        "capitalize" => a => { a.Read(); return Capitalize(s); },
        "title" => a => { a.Read(); return Title(s); },
        "find" => a => (long)s.IndexOf(Need(a.Read("sub").String("sub")), StringComparison.Ordinal),
        "rfind" => a => (long)s.LastIndexOf(Need(a.Read("sub").String("sub")), StringComparison.Ordinal),
        "count" => a => Count(s, Need(a.Read("sub").String("sub"))),
        "join" => a => string.Join(s, PyValues.Iterate(a.Read("iterable").Get("iterable")).Select(x =>
            x as string ?? throw new RenderError($"TypeError: sequence item: expected str instance, {PyValues.TypeName(x)} found"))),
        "isdigit" => a => { a.Read(); return s.Length > 0 && s.All(char.IsDigit); },
        "isalpha" => a => { a.Read(); return s.Length > 0 && s.All(char.IsLetter); },
        "isalnum" => a => { a.Read(); return s.Length > 0 && s.All(char.IsLetterOrDigit); },
        "isspace" => a => { a.Read(); return s.Length > 0 && s.All(char.IsWhiteSpace); },
        "islower" => a => { a.Read(); return s.Any(char.IsLetter) && !s.Any(char.IsUpper); },
        "isupper" => a => { a.Read(); return s.Any(char.IsLetter) && !s.Any(char.IsLower); },
        "removeprefix" => a => { var p = Need(a.Read("prefix").String("prefix")); return s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s; },
        "removesuffix" => a => { var p = Need(a.Read("suffix").String("suffix")); return p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s; },
        _ => null,
    };

    private static string Need(string? arg) => arg ?? throw new RenderError("TypeError: expected a string argument, got None");

    private static Func<ArgsView, object?>? DictMethod(OrderedDictionary<object, object?> d, string name) => name switch
    {
        "get" => a => { var r = a.Read("key", "default"); var k = r.Get("key"); return k is not null && d.TryGetValue(k, out var v) ? v : r.Get("default"); },
        "items" => a => { a.Read(); return d.Select(kv => (object?)new object?[] { kv.Key, kv.Value }).ToList(); },
        "keys" => a => { a.Read(); return d.Keys.Cast<object?>().ToList(); },
        "values" => a => { a.Read(); return d.Values.ToList(); },
        "copy" => a => { a.Read(); return new OrderedDictionary<object, object?>(d); },
        _ => null,
    };

    private static Func<ArgsView, object?>? ListMethod(IList<object?> l, string name) => name switch
    {
        "index" => a =>
        {
            var x = a.Read("value").Get("value");
            for (int i = 0; i < l.Count; i++)
                if (PyValues.Equal(l[i], x)) return (long)i;
            throw new RenderError($"ValueError: {PyValues.Repr(x)} is not in list");
        },
        "count" => a => { var x = a.Read("value").Get("value"); return (long)l.Count(y => PyValues.Equal(y, x)); },
        "copy" => a => { a.Read(); return l.ToList(); },
        _ => null,
    };

    /// <summary>Python's <c>str.strip(chars)</c> (whitespace when <paramref name="chars"/> is null).</summary>
    public static string Strip(string s, string? chars, bool left, bool right)
    {
        bool Strippable(string c) => chars is null ? c.Length == 1 && IsSpace(c[0]) : chars.Contains(c, StringComparison.Ordinal);
        var cps = PyValues.CodePoints(s);
        int from = 0, to = cps.Length;
        if (left) while (from < to && Strippable(cps[from])) from++;
        if (right) while (to > from && Strippable(cps[to - 1])) to--;
        return string.Concat(cps[from..to]);
    }

    /// <summary>Python's <c>str.isspace</c> for one character.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    private static List<object?> Split(string s, string? sep, long maxsplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxsplit >= 0 && parts.Count == maxsplit)
                {
                    parts.Add(s[i..].TrimEnd());
                    break;
                }
                int start = i;
                while (i < s.Length && !IsSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (sep.Length == 0) throw new RenderError("ValueError: empty separator");
        int pos = 0;
        while (maxsplit < 0 || parts.Count < maxsplit)
        {
            int at = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[pos..at]);
            pos = at + sep.Length;
        }
        parts.Add(s[pos..]);
        return parts;
    }

    private static List<object?> RSplit(string s, string? sep, long maxsplit)
    {
        if (maxsplit < 0 || sep is null) return maxsplit < 0 ? Split(s, sep, -1) : throw new RenderError("unsupported: rsplit with maxsplit and no separator");
        if (sep.Length == 0) throw new RenderError("ValueError: empty separator");
        var parts = new List<object?>();
        int end = s.Length;
        while (parts.Count < maxsplit)
        {
            int at = end == 0 ? -1 : s.LastIndexOf(sep, end - 1, StringComparison.Ordinal);
            if (at < 0 || at + sep.Length > end) break;
            parts.Insert(0, s[(at + sep.Length)..end]);
            end = at;
        }
        parts.Insert(0, s[..end]);
        return parts;
    }

    private static bool Affix(string s, object? affix, Func<string, string, bool> test) => affix switch
    {
        string a => test(s, a),
        IList<object?> options => options.Any(o => o is string a ? test(s, a) : throw new RenderError("TypeError: tuple for startswith/endswith must only contain str")),
        _ => throw new RenderError($"TypeError: startswith/endswith first arg must be str or a tuple of str, not {PyValues.TypeName(affix)}"),
    };

    private static string Replace(string s, string old, string @new, long count)
    {
        if (count < 0) return old.Length == 0 ? Replace(s, old, @new, long.MaxValue) : s.Replace(old, @new, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            if (old.Length == 0)
            {
                sb.Append(@new);
                if (pos >= s.Length) return sb.ToString();
                sb.Append(s[pos++]);
                continue;
            }
            int at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, pos, at - pos).Append(@new);
            pos = at + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static long Count(string s, string sub)
    {
        if (sub.Length == 0) return PyValues.CodePoints(s).Length + 1;
        long n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Python's <c>str.capitalize</c>: first character upper case, the rest lower case.</summary>
    public static string Capitalize(string s) => s.Length == 0 ? s : s[..1].ToUpperInvariant() + s[1..].ToLowerInvariant();

    /// <summary>Python's <c>str.title</c>: each run of letters starts upper case, the rest lower case.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }
}
