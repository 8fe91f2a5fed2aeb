using System.Globalization;
using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Python's semantics for the values templates handle: <c>str</c> (null, bool, long, double, string,
/// <c>List&lt;object?&gt;</c> lists, <c>object?[]</c> tuples, <c>OrderedDictionary&lt;object, object?&gt;</c> dicts,
/// <see cref="Undefined"/>, <see cref="Namespace"/>), truth, equality, ordering, length and iteration. Strings are
/// indexed and measured in code points, as Python does.
/// </summary>
internal static class PyValues
{
    /// <summary>Python's <c>bool(x)</c>.</summary>
    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Python's type name, as error messages quote it.</summary>
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        object?[] => "tuple",
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        LoopContext => "LoopContext",
        Macro => "Macro",
        _ => "function",
    };

    /// <summary>Python's <c>str(x)</c>, which <c>{{ x }}</c> prints.</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v),
    };

    /// <summary>Python's <c>repr(x)</c> (how a list prints its items).</summary>
    public static string Repr(object? v)
    {
        switch (v)
        {
            case null: return "None";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FloatRepr(d);
            case string s: return StringRepr(s);
            case Undefined: return "";
            case object?[] t: return t.Length == 1 ? $"({Repr(t[0])},)" : $"({string.Join(", ", t.Select(Repr))})";
            case List<object?> list: return $"[{string.Join(", ", list.Select(Repr))}]";
            case OrderedDictionary<object, object?> dict:
                return "{" + string.Join(", ", dict.Select(kv => $"{Repr(kv.Key)}: {Repr(kv.Value)}")) + "}";
            case Namespace ns:
                return "<Namespace " + string.Join(", ", ns.Attributes.Select(kv => $"{kv.Key}={Repr(kv.Value)}")) + ">";
            default: return v.ToString() ?? "";
        }
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, <c>1.0</c>, <c>1e-05</c>, <c>1e+16</c>, <c>inf</c>, <c>nan</c>.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // "R" gives the shortest digits that round-trip, as Python's repr does; only the layout differs.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var (digits, exponent) = DigitsAndExponent(shortest);
        var sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (exponent < 0) return sign + "0." + new string('0', -exponent - 1) + digits;
        if (digits.Length <= exponent + 1) return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    // The significant digits (no leading or trailing zeros) and the decimal exponent of the first digit.
    private static (string Digits, int Exponent) DigitsAndExponent(string s)
    {
        s = s.TrimStart('-');
        int exp = 0;
        int e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.');
        var intPart = dot < 0 ? s : s[..dot];
        var frac = dot < 0 ? "" : s[(dot + 1)..];
        var all = intPart + frac;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        var digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        return (digits, exp + intPart.Length - 1 - lead);
    }

    /// <summary>Python's <c>repr(str)</c>: single quotes unless the text has one and no double quote.</summary>
    public static string StringRepr(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            if (c == quote || c == '\\') sb.Append('\\').Append((char)c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.Append($"\\x{c:x2}");
            else if (c < 0x7f || IsPrintable(rune)) sb.Append(rune.ToString());
            else if (c <= 0xff) sb.Append($"\\x{c:x2}");
            else if (c <= 0xffff) sb.Append($"\\u{c:x4}");
            else sb.Append($"\\U{c:x8}");
        }
        return sb.Append(quote).ToString();
    }

    private static bool IsPrintable(Rune r) => Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };

    /// <summary>Python's <c>a == b</c>.</summary>
    public static bool Equal(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        if (a is string sa) return b is string sb && sa == sb;
        if (a is object?[] ta) return b is object?[] tb && SequenceEqual(ta, tb);
        if (a is List<object?> la) return b is List<object?> lb && SequenceEqual(la, lb);
        if (a is OrderedDictionary<object, object?> da)
            return b is OrderedDictionary<object, object?> db && da.Count == db.Count
                && da.All(kv => db.TryGetValue(kv.Key, out var other) && Equal(kv.Value, other));
        return ReferenceEquals(a, b);
    }

    private static bool SequenceEqual(IList<object?> a, IList<object?> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!Equal(a[i], b[i])) return false;
        return true;
    }

    /// <summary>True for bool, long and double (Python's numbers; bool is an int).</summary>
    public static bool IsNumber(object? v) => v is bool or long or double;

    /// <summary>A number as double.</summary>
    public static double ToDouble(object? v) => v switch { bool b => b ? 1 : 0, long l => l, double d => d, _ => throw new InvalidCastException() };

    /// <summary>An integer (or bool) as long.</summary>
    public static long ToLong(object? v) => v switch { bool b => b ? 1 : 0, long l => l, _ => throw new InvalidCastException() };

    /// <summary>Python's ordering of two values (numbers, strings by code point, lists and tuples element-wise).</summary>
    /// <exception cref="RenderError">The types cannot be ordered.</exception>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        if (a is string sa && b is string sb) return CompareCodePoints(sa, sb);
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var la = (IList<object?>)a;
            var lb = (IList<object?>)b;
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
                if (!Equal(la[i], lb[i])) return Compare(la[i], lb[i], op);
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined ub) throw ub.Fail();
        throw new RenderError($"TypeError: '{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    private static int CompareCodePoints(string a, string b)
    {
        var ea = a.EnumerateRunes().GetEnumerator();
        var eb = b.EnumerateRunes().GetEnumerator();
        while (true)
        {
            bool ha = ea.MoveNext(), hb = eb.MoveNext();
            if (!ha || !hb) return ha.CompareTo(hb);
            int c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }

    /// <summary>Python's <c>iter(x)</c>: a string's characters, a list's items, a dict's keys; undefined is empty.</summary>
    /// <exception cref="RenderError">The value is not iterable (none, a number).</exception>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()),
        IList<object?> list => list,
        OrderedDictionary<object, object?> dict => dict.Keys,
        Namespace ns => throw new RenderError("TypeError: 'Namespace' object is not iterable"),
        Undefined => [],
        _ => throw new RenderError($"TypeError: '{TypeName(v)}' object is not iterable"),
    };

    /// <summary>Python's <c>len(x)</c> (undefined has length 0).</summary>
    /// <exception cref="RenderError">The value has no length.</exception>
    public static long Length(object? v) => v switch
    {
        string s => CodePoints(s).Length,
        System.Collections.ICollection c => c.Count,
        Undefined => 0,
        _ => throw new RenderError($"TypeError: object of type '{TypeName(v)}' has no len()"),
    };

    /// <summary>The code points of a string, each as a string (one or two UTF-16 units).</summary>
    public static string[] CodePoints(string s) => [.. s.EnumerateRunes().Select(r => r.ToString())];

    /// <summary>Python's <c>x in container</c>.</summary>
    /// <exception cref="RenderError">The container does not support <c>in</c>.</exception>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw new RenderError($"TypeError: 'in <string>' requires string as left operand, not {TypeName(item)}"),
        OrderedDictionary<object, object?> dict => item is not null && dict.Keys.Any(k => Equal(k, item)),
        IList<object?> list => list.Any(x => Equal(x, item)),
        Undefined => false,
        _ => throw new RenderError($"TypeError: argument of type '{TypeName(container)}' is not iterable"),
    };
}
