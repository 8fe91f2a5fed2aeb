namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Jinja's <c>environment.getattr</c> / <c>getitem</c>: <c>x.name</c> tries the Python attribute (a method such as
/// <c>dict.get</c> or <c>str.strip</c>) and then the item; <c>x[key]</c> tries the item and then the attribute. A
/// miss is an <see cref="Undefined"/> with Jinja's message, not an error.
/// </summary>
internal static class Access
{
    /// <summary><c>obj.name</c>.</summary>
    public static object? Attribute(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var v) ? v : new Undefined($"'Namespace object' has no attribute '{name}'");
            case LoopContext loop:
                return loop.Get(name);
        }
        if (Methods.Bind(obj, name) is { } method) return method;
        if (obj is OrderedDictionary<object, object?> dict && dict.TryGetValue(name, out var item)) return item;
        return Missing(obj, name);
    }

    /// <summary><c>obj[key]</c>.</summary>
    public static object? Item(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case OrderedDictionary<object, object?> dict when key is not null && dict.TryGetValue(key, out var v):
                return v;
            case IList<object?> list when key is long or bool:
                long i = PyValues.ToLong(key);
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : NoElement(obj, key);
            case string s when key is long or bool:
                var chars = PyValues.CodePoints(s);
                long j = PyValues.ToLong(key);
                if (j < 0) j += chars.Length;
                return j >= 0 && j < chars.Length ? chars[j] : NoElement(obj, key);
        }
        if (key is string name)
        {
            if (obj is Namespace or LoopContext) return Attribute(obj, name);
            if (Methods.Bind(obj, name) is { } method) return method;
            return Missing(obj, name);
        }
        return NoElement(obj, key);
    }

    private static Undefined Missing(object? obj, string name) => new(obj is null
        ? $"'None' has no attribute '{name}'"
        : $"'{PyValues.TypeName(obj)} object' has no attribute '{name}'");

    private static Undefined NoElement(object? obj, object? key) => new(obj is null
        ? $"None has no element {PyValues.Repr(key)}"
        : $"{PyValues.TypeName(obj)} object has no element {PyValues.Repr(key)}");

    /// <summary><c>obj[start:stop:step]</c> on a string, list or tuple, with Python's rules for negative and missing bounds.</summary>
    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u) throw u.Fail();
        long st = step is null ? 1 : Index(step);
        if (st == 0) throw new RenderError("ValueError: slice step cannot be zero");
        switch (obj)
        {
            case string s:
                return string.Concat(Pick(PyValues.CodePoints(s), start, stop, st));
            case object?[] tuple:
                return Pick(tuple, start, stop, st).ToArray();
            case List<object?> list:
                return Pick(list, start, stop, st).ToList();
            default:
                return new Undefined($"'{PyValues.TypeName(obj)} object' has no element slice");
        }
    }

    private static long Index(object? v) => v is long or bool ? PyValues.ToLong(v)
        : throw new RenderError("TypeError: slice indices must be integers or None");

    private static IEnumerable<T> Pick<T>(IReadOnlyList<T> items, object? start, object? stop, long step)
    {
        long n = items.Count;
        long Clamp(object? bound, long missing)
        {
            if (bound is null) return missing;
            long b = Index(bound);
            if (b < 0) b += n;
            return step > 0 ? Math.Clamp(b, 0, n) : Math.Clamp(b, -1, n - 1);
        }
        long from = Clamp(start, step > 0 ? 0 : n - 1), to = Clamp(stop, step > 0 ? n : -1);
        for (long i = from; step > 0 ? i < to : i > to; i += step) yield return items[(int)i];
    }
}
