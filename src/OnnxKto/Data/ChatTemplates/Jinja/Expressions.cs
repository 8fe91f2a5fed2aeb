namespace OnnxKto.Data.ChatTemplates.Jinja;

// The expression tree the parser builds (Jinja2's nodes.Expr subclasses that chat templates use). Every node keeps
// the template line it starts on, for error messages.

/// <summary>An expression node.</summary>
internal abstract record Expr(int Line);

/// <summary>A literal: string, integer (long), float (double), bool or none (null).</summary>
internal sealed record Literal(int Line, object? Value) : Expr(Line);

/// <summary>A variable reference.</summary>
internal sealed record NameRef(int Line, string Name) : Expr(Line);

/// <summary><c>obj.name</c>: Python attribute first, then item.</summary>
internal sealed record GetAttr(int Line, Expr Target, string Name) : Expr(Line);

/// <summary><c>obj[key]</c>: item first, then attribute.</summary>
internal sealed record GetItem(int Line, Expr Target, Expr Key) : Expr(Line);

/// <summary><c>obj[start:stop:step]</c>; missing parts are null.</summary>
internal sealed record SliceExpr(int Line, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(Line);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<KeyValuePair<string, Expr>> Keywords)
{
    /// <summary>No arguments.</summary>
    public static readonly Arguments None = new([], []);
}

/// <summary><c>f(args)</c>.</summary>
internal sealed record CallExpr(int Line, Expr Callee, Arguments Args) : Expr(Line);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpr(int Line, Expr Value, string Name, Arguments Args) : Expr(Line);

/// <summary><c>value is [not] name args</c> (negation is a <see cref="NotExpr"/> around it).</summary>
internal sealed record TestExpr(int Line, Expr Value, string Name, Arguments Args) : Expr(Line);

/// <summary>Unary <c>-</c> or <c>+</c>.</summary>
internal sealed record UnaryExpr(int Line, string Op, Expr Operand) : Expr(Line);

/// <summary><c>not x</c>.</summary>
internal sealed record NotExpr(int Line, Expr Operand) : Expr(Line);

/// <summary>Arithmetic: <c>+ - * / // % **</c>.</summary>
internal sealed record BinaryExpr(int Line, string Op, Expr Left, Expr Right) : Expr(Line);

/// <summary><c>a ~ b ~ c</c>: string concatenation.</summary>
internal sealed record ConcatExpr(int Line, IReadOnlyList<Expr> Parts) : Expr(Line);

/// <summary><c>a and b</c> / <c>a or b</c>, short-circuit, returning an operand as Python does.</summary>
internal sealed record LogicalExpr(int Line, bool IsAnd, Expr Left, Expr Right) : Expr(Line);

/// <summary>A (possibly chained) comparison <c>a &lt; b == c</c>; ops are <c>== != &lt; &lt;= &gt; &gt;= in notin</c>.</summary>
internal sealed record CompareExpr(int Line, Expr First, IReadOnlyList<(string Op, Expr Right)> Rest) : Expr(Line);

/// <summary><c>a if cond else b</c>; a missing else gives undefined.</summary>
internal sealed record CondExpr(int Line, Expr Test, Expr Then, Expr? Else) : Expr(Line);

/// <summary><c>[a, b]</c> or, with <see cref="IsTuple"/>, <c>(a, b)</c>.</summary>
internal sealed record ListExpr(int Line, IReadOnlyList<Expr> Items, bool IsTuple) : Expr(Line);

/// <summary><c>{k: v, ...}</c>.</summary>
internal sealed record DictExpr(int Line, IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr(Line);
