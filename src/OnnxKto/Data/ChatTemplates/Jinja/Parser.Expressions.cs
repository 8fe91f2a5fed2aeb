using System.Globalization;

namespace OnnxKto.Data.ChatTemplates.Jinja;

internal sealed partial class Parser
{
    private bool IsTupleEnd() =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End || Current.IsOperator(")")
        || Current.IsName("if") || Current.IsName("recursive");

    // An expression, or a tuple when it has commas (as in '{{ a, b }}' or 'for x in a, b').
    private Expr Tuple(bool withCondExpr, bool explicitParens = false)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) Expect(TokenKind.Operator, ",");
            if (IsTupleEnd()) break;
            items.Add(withCondExpr ? Expression() : Or());
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple && items.Count == 1) return items[0];
        if (items.Count == 0 && !explicitParens) throw Error(Current, $"expected an expression, found {Current}.");
        return new ListExpr(line, items, IsTuple: true);
    }

    private Expr Expression()
    {
        var expr = Or();
        while (Current.IsName("if"))
        {
            int line = Next().Line;
            var test = Or();
            var orElse = SkipName("else") ? Expression() : null;
            expr = new CondExpr(line, test, expr, orElse);
        }
        return expr;
    }

    private Expr Or()
    {
        var left = And();
        while (Current.IsName("or")) left = new LogicalExpr(Next().Line, false, left, And());
        return left;
    }

    private Expr And()
    {
        var left = Not();
        while (Current.IsName("and")) left = new LogicalExpr(Next().Line, true, left, Not());
        return left;
    }

    private Expr Not() => Current.IsName("not") ? new NotExpr(Next().Line, Not()) : Compare();

    private Expr Compare()
    {
        int line = Current.Line;
        var first = Math1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && Current.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
                rest.Add((Next().Value, Math1()));
            else if (SkipName("in")) rest.Add(("in", Math1()));
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _i += 2;
                rest.Add(("notin", Math1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(line, first, rest);
    }

    private Expr Math1()
    {
        var left = Concat();
        while (Current.Kind == TokenKind.Operator && Current.Value is "+" or "-")
        {
            var op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, Concat());
        }
        return left;
    }

    private Expr Concat()
    {
        int line = Current.Line;
        var parts = new List<Expr> { Math2() };
        while (SkipOperator("~")) parts.Add(Math2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(line, parts);
    }

    private Expr Math2()
    {
        var left = Pow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, Pow());
        }
        return left;
    }

    private Expr Pow()
    {
        var left = Unary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr(op.Line, "**", left, Unary(withFilter: true));
        }
        return left;
    }

    private Expr Unary(bool withFilter)
    {
        var t = Current;
        Expr node = t.IsOperator("-") || t.IsOperator("+")
            ? new UnaryExpr(Next().Line, t.Value, Unary(withFilter: false))
            : Primary();
        node = Postfix(node);
        return withFilter ? FilterChain(node) : node;
    }

    private Expr Primary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new Literal(t.Line, true),
                    "false" or "False" => new Literal(t.Line, false),
                    "none" or "None" => new Literal(t.Line, null),
                    _ => new NameRef(t.Line, t.Value),
                };
            case TokenKind.String:
                var text = t.Value;
                while (Current.Kind == TokenKind.String) text += Next().Value;
                return new Literal(t.Line, text);
            case TokenKind.Integer:
                return new Literal(t.Line, ParseInteger(t));
            case TokenKind.Float:
                return new Literal(t.Line, double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.Operator when t.Value == "(":
                var inner = Tuple(withCondExpr: true, explicitParens: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                var items = new List<Expr>();
                while (!SkipOperator("]"))
                {
                    if (items.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOperator("]")) break;
                    items.Add(Expression());
                }
                return new ListExpr(t.Line, items, IsTuple: false);
            case TokenKind.Operator when t.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!SkipOperator("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (SkipOperator("}")) break;
                    var key = Expression();
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, Expression()));
                }
                return new DictExpr(t.Line, pairs);
            default:
                throw Error(t, $"unexpected {t} in an expression.");
        }
    }

    private long ParseInteger(Token t)
    {
        var v = t.Value.ToLowerInvariant();
        try
        {
            return v.Length > 2 && v[0] == '0' && v[1] is 'x' or 'o' or 'b'
                ? Convert.ToInt64(v[2..], v[1] switch { 'x' => 16, 'o' => 8, _ => 2 })
                : long.Parse(v, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw Error(t, $"unsupported: the integer {t.Value} does not fit 64 bits.");
        }
    }

    private Expr Postfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                _i++;
                var attr = Next();
                node = attr.Kind switch
                {
                    TokenKind.Name => new GetAttr(t.Line, node, attr.Value),
                    TokenKind.Integer => new GetItem(t.Line, node, new Literal(attr.Line, ParseInteger(attr))),
                    _ => throw Error(attr, $"expected an attribute name after '.', found {attr}."),
                };
            }
            else if (t.IsOperator("["))
            {
                _i++;
                node = Subscript(t.Line, node);
            }
            else if (t.IsOperator("("))
            {
                _i++;
                node = new CallExpr(t.Line, node, CallArguments());
            }
            else return node;
        }
    }

    private Expr Subscript(int line, Expr target)
    {
        Expr? start = null, stop = null, step = null;
        if (!Current.IsOperator(":")) start = Expression();
        if (!SkipOperator(":"))
        {
            Expect(TokenKind.Operator, "]");
            return new GetItem(line, target, start!);
        }
        if (!Current.IsOperator("]") && !Current.IsOperator(":")) stop = Expression();
        if (SkipOperator(":") && !Current.IsOperator("]")) step = Expression();
        Expect(TokenKind.Operator, "]");
        return new SliceExpr(line, target, start, stop, step);
    }

    // After '(': positional and keyword arguments up to ')'.
    private Arguments CallArguments()
    {
        var positional = new List<Expr>();
        var keywords = new List<KeyValuePair<string, Expr>>();
        while (!SkipOperator(")"))
        {
            if (positional.Count + keywords.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOperator(")")) break;
            if (Current.IsOperator("*") || Current.IsOperator("**"))
                throw Error(Current, "unsupported: *args and **kwargs in calls.");
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var key = Next().Value;
                _i++;
                keywords.Add(new(key, Expression()));
            }
            else if (keywords.Count > 0) throw Error(Current, "a positional argument follows a keyword argument.");
            else positional.Add(Expression());
        }
        return new Arguments(positional, keywords);
    }

    private Expr FilterChain(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("|"))
            {
                _i++;
                var name = DottedName();
                var args = SkipOperator("(") ? CallArguments() : Arguments.None;
                node = new FilterExpr(t.Line, node, name, args);
            }
            else if (t.IsName("is"))
            {
                _i++;
                bool negated = SkipName("not");
                var name = DottedName();
                Arguments args;
                if (SkipOperator("(")) args = CallArguments();
                else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                          || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{"))
                         && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
                {
                    if (Current.IsName("is")) throw Error(Current, "tests cannot be chained with 'is'.");
                    args = new Arguments([Postfix(Primary())], []);
                }
                else args = Arguments.None;
                Expr test = new TestExpr(t.Line, node, name, args);
                node = negated ? new NotExpr(t.Line, test) : test;
            }
            else if (t.IsOperator("("))
            {
                _i++;
                node = new CallExpr(t.Line, node, CallArguments());
            }
            else return node;
        }
    }

    private string DottedName()
    {
        var name = Expect(TokenKind.Name).Value;
        while (SkipOperator(".")) name += "." + Expect(TokenKind.Name).Value;
        return name;
    }
}
