using System.Globalization;
using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// The global functions a chat template can call: Jinja's <c>range</c>, <c>namespace</c> and <c>dict</c>, and
/// transformers' <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class Globals
{
    /// <summary>Puts the globals into <paramref name="scope"/>; <paramref name="now"/> is what <c>strftime_now</c> formats.</summary>
    public static void AddTo(Scope scope, DateTime now)
    {
        scope.Set("range", new BuiltinFunction("range", (a, k) => Range(a, k)));
        scope.Set("namespace", new BuiltinFunction("namespace", (a, k) => MakeNamespace(a, k)));
        scope.Set("dict", new BuiltinFunction("dict", (a, k) => MakeDict(a, k)));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", (a, k) =>
            throw new RenderError(PyValues.Str(new ArgReader("raise_exception", a, k, "message").Get("message")), raised: true)));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", (a, k) =>
            Strftime(now, new ArgReader("strftime_now", a, k, "format").String("format") ?? "")));
    }

    private static object? Range(IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        if (k.Count > 0 || a.Count is 0 or > 3 || a.Any(x => x is not (long or bool)))
            throw new RenderError("TypeError: range() takes 1 to 3 integer arguments");
        long start = a.Count > 1 ? PyValues.ToLong(a[0]) : 0, stop = PyValues.ToLong(a[a.Count > 1 ? 1 : 0]), step = a.Count > 2 ? PyValues.ToLong(a[2]) : 1;
        if (step == 0) throw new RenderError("ValueError: range() arg 3 must not be zero");
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= 100_000) throw new RenderError("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            items.Add(i);
        }
        return items;
    }

    private static Namespace MakeNamespace(IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var ns = new Namespace();
        foreach (var (key, value) in Pairs("namespace", a, k)) ns.Attributes[key] = value;
        return ns;
    }

    private static OrderedDictionary<object, object?> MakeDict(IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        var dict = new OrderedDictionary<object, object?>();
        foreach (var (key, value) in Pairs("dict", a, k)) dict[key] = value;
        return dict;
    }

    // dict(mapping, **kwargs) / namespace(mapping, **kwargs).
    private static IEnumerable<KeyValuePair<string, object?>> Pairs(string name, IReadOnlyList<object?> a, IReadOnlyList<KeyValuePair<string, object?>> k)
    {
        if (a.Count > 1) throw new RenderError($"TypeError: {name} expected at most 1 positional argument, got {a.Count}");
        if (a.Count == 1)
        {
            if (a[0] is not OrderedDictionary<object, object?> mapping) throw new RenderError($"unsupported: {name}() from a {PyValues.TypeName(a[0])}");
            foreach (var (key, value) in mapping) yield return new(PyValues.Str(key), value);
        }
        foreach (var kv in k) yield return kv;
    }

    /// <summary>Python's <c>datetime.strftime</c> for the directives chat templates use (C locale).</summary>
    /// <exception cref="RenderError">A directive this engine does not know.</exception>
    public static string Strftime(DateTime t, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            char d = format[++i];
            sb.Append(d switch
            {
                'Y' => t.Year.ToString("0000", c),
                'y' => (t.Year % 100).ToString("00", c),
                'm' => t.Month.ToString("00", c),
                'd' => t.Day.ToString("00", c),
                'e' => t.Day.ToString(c).PadLeft(2),
                'H' => t.Hour.ToString("00", c),
                'I' => ((t.Hour + 11) % 12 + 1).ToString("00", c),
                'M' => t.Minute.ToString("00", c),
                'S' => t.Second.ToString("00", c),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => t.DayOfYear.ToString("000", c),
                'b' or 'h' => t.ToString("MMM", c),
                'B' => t.ToString("MMMM", c),
                'a' => t.ToString("ddd", c),
                'A' => t.ToString("dddd", c),
                'w' => ((int)t.DayOfWeek).ToString(c),
                'F' => t.ToString("yyyy-MM-dd", c),
                'T' => t.ToString("HH:mm:ss", c),
                '%' => "%",
                _ => throw new RenderError($"unsupported: strftime directive '%{d}'"),
            });
        }
        return sb.ToString();
    }
}
