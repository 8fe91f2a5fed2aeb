using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>Python's arithmetic on template values: <c>+ - * / // % **</c> and unary <c>- +</c>; bools count as ints.</summary>
internal static class Operators
{
    /// <summary>Unary <c>-x</c> or <c>+x</c>.</summary>
    /// <exception cref="RenderError">Not a number.</exception>
    public static object? Unary(string op, object? v) => v switch
    {
        Undefined u => throw u.Fail(),
        double d => (object)(op == "-" ? -d : d),
        long or bool => op == "-" ? -PyValues.ToLong(v) : PyValues.ToLong(v),
        _ => throw new RenderError($"TypeError: bad operand type for unary {op}: '{PyValues.TypeName(v)}'"),
    };

    /// <summary><c>a op b</c>.</summary>
    /// <exception cref="RenderError">Unsupported operand types, division by zero, or an undefined operand.</exception>
    public static object? Binary(string op, object? a, object? b)
    {
        if (a is Undefined ua) throw ua.Fail();
        if (b is Undefined ub) throw ub.Fail();
        if (PyValues.IsNumber(a) && PyValues.IsNumber(b)) return Arithmetic(op, a!, b!);
        switch (op)
        {
            case "+" when a is string sa && b is string sb:
                return sa + sb;
            case "+" when a is List<object?> la && b is List<object?> lb:
                return la.Concat(lb).ToList();
            case "+" when a is object?[] ta && b is object?[] tb:
                return ta.Concat(tb).ToArray();
            case "+" when a is string or IList<object?>:
                throw new RenderError($"TypeError: can only concatenate {PyValues.TypeName(a)} (not \"{PyValues.TypeName(b)}\") to {PyValues.TypeName(a)}");
            case "*" when a is string s && b is long or bool:
                return Repeat(s, PyValues.ToLong(b));
            case "*" when b is string s && a is long or bool:
                return Repeat(s, PyValues.ToLong(a));
            case "*" when a is List<object?> l && b is long or bool:
                return Enumerable.Repeat(l, (int)Math.Max(0, PyValues.ToLong(b))).SelectMany(x => x).ToList();
            case "%" when a is string:
                throw new RenderError("unsupported: printf-style string formatting with '%'");
        }
        throw new RenderError($"TypeError: unsupported operand type(s) for {op}: '{PyValues.TypeName(a)}' and '{PyValues.TypeName(b)}'");
    }

    private static string Repeat(string s, long n)
    {
        var sb = new StringBuilder();
        for (long i = 0; i < n; i++) sb.Append(s);
        return sb.ToString();
    }

    private static object Arithmetic(string op, object a, object b)
    {
        if (op == "/")
        {
            double den = PyValues.ToDouble(b);
            return den == 0 ? throw new RenderError("ZeroDivisionError: division by zero") : PyValues.ToDouble(a) / den;
        }
        if (a is double || b is double)
        {
            double x = PyValues.ToDouble(a), y = PyValues.ToDouble(b);
            if (y == 0 && op is "//" or "%") throw new RenderError("ZeroDivisionError: float division by zero");
            return op switch
            {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "//" => Math.Floor(x / y),
                "%" => x - y * Math.Floor(x / y),
                _ => Math.Pow(x, y),
            };
        }
        long i = PyValues.ToLong(a), j = PyValues.ToLong(b);
        if (j == 0 && op is "//" or "%") throw new RenderError("ZeroDivisionError: integer division or modulo by zero");
        try
        {
            checked
            {
            if (op == "**" && j < 0) return Math.Pow(i, j);
            return op switch
            {
                "+" => i + j,
                "-" => i - j,
                "*" => i * j,
                "//" => FloorDiv(i, j),
                "%" => i - j * FloorDiv(i, j),
                _ => IntPow(i, j),
            };
            }
        }
        catch (OverflowException)
        {
            throw new RenderError($"unsupported: integer arithmetic beyond 64 bits ({i} {op} {j})");
        }
    }

    private static long FloorDiv(long i, long j) => i / j - ((i % j != 0 && (i < 0) != (j < 0)) ? 1 : 0);

    private static long IntPow(long x, long n)
    {
        long r = 1;
        checked
        {
            for (long k = 0; k < n; k++) r *= x;
        }
        return r;
    }
}
