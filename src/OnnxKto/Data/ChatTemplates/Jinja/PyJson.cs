using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Python's <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>, which
/// transformers installs as the <c>tojson</c> filter: keys in insertion order, non-ASCII written as is, default
/// separators <c>", "</c> and <c>": "</c> (<c>","</c> between items when indenting).
/// </summary>
internal static class PyJson
{
    /// <summary>The JSON text of <paramref name="value"/>.</summary>
    /// <param name="value">A template value.</param>
    /// <param name="indent">Spaces per level, or null for one line.</param>
    /// <param name="itemSeparator">Between items; null for the default.</param>
    /// <param name="keySeparator">Between a key and its value; null for the default.</param>
    /// <param name="sortKeys">Sort object keys.</param>
    /// <param name="ensureAscii">Escape non-ASCII as <c>\uXXXX</c>.</param>
    /// <exception cref="RenderError">A value JSON cannot hold (undefined, a namespace, a macro).</exception>
    public static string Dumps(object? value, string? indent, string? itemSeparator, string? keySeparator, bool sortKeys, bool ensureAscii)
    {
        var sb = new StringBuilder();
        new Writer(sb, indent, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ", sortKeys, ensureAscii).Write(value, 0);
        return sb.ToString();
    }

    private sealed record Writer(StringBuilder Sb, string? Indent, string ItemSep, string KeySep, bool SortKeys, bool EnsureAscii)
    {
        public void Write(object? v, int level)
        {
            switch (v)
            {
                case null: Sb.Append("null"); break;
                case bool b: Sb.Append(b ? "true" : "false"); break;
                case long l: Sb.Append(PyValues.Repr(l)); break;
                case double d: Sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyValues.FloatRepr(d)); break;
                case string s: String(s); break;
                case IList<object?> list:
                    Container('[', ']', list.Count, level, i => Write(list[i], level + 1));
                    break;
                case OrderedDictionary<object, object?> dict:
                    var pairs = dict.Select(kv => (Key: Key(kv.Key), kv.Value)).ToList();
                    if (SortKeys) pairs = [.. pairs.OrderBy(p => p.Key, StringComparer.Ordinal)];
                    Container('{', '}', pairs.Count, level, i =>
                    {
                        String(pairs[i].Key);
                        Sb.Append(KeySep);
                        Write(pairs[i].Value, level + 1);
                    });
                    break;
                default:
                    throw new RenderError($"TypeError: Object of type {PyValues.TypeName(v)} is not JSON serializable");
            }
        }

        private static string Key(object k) => k switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            long or double => PyValues.Repr(k),
            _ => throw new RenderError($"TypeError: keys must be str, int, float, bool or None, not {PyValues.TypeName(k)}"),
        };

        private void Container(char open, char close, int count, int level, Action<int> item)
        {
            Sb.Append(open);
            if (count == 0)
            {
                Sb.Append(close);
                return;
            }
            for (int i = 0; i < count; i++)
            {
                if (i > 0) Sb.Append(ItemSep);
                if (Indent is not null) NewLine(level + 1);
                item(i);
            }
            if (Indent is not null) NewLine(level);
            Sb.Append(close);
        }

        private void NewLine(int level)
        {
            Sb.Append('\n');
            for (int i = 0; i < level; i++) Sb.Append(Indent);
        }

        private void String(string s)
        {
            Sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': Sb.Append("\\\""); break;
                    case '\\': Sb.Append("\\\\"); break;
                    case '\n': Sb.Append("\\n"); break;
                    case '\r': Sb.Append("\\r"); break;
                    case '\t': Sb.Append("\\t"); break;
                    case '\b': Sb.Append("\\b"); break;
                    case '\f': Sb.Append("\\f"); break;
                    default:
                        if (c < 0x20 || (EnsureAscii && c > 0x7e)) Sb.Append($"\\u{(int)c:x4}");
                        else Sb.Append(c);
                        break;
                }
            }
            Sb.Append('"');
        }
    }
}
