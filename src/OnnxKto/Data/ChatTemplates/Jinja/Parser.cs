using System.Globalization;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Builds the statement tree from tokens, with Jinja2's grammar and operator precedence (lowest first):
/// <c>x if c else y</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then postfix <c>.attr [key] (call)</c>, filters <c>|f</c> and tests
/// <c>is t</c>. Tags: <c>if/elif/else</c>, <c>for</c> (with <c>else</c> and an <c>if</c> filter), <c>set</c> (also
/// block set and <c>ns.attr</c>), <c>macro</c>, <c>break</c>, <c>continue</c>, <c>generation</c>; any other tag is an
/// error naming it and its line.
/// </summary>
internal sealed partial class Parser
{
    private readonly List<Token> _tokens;
    private readonly string _name;
    private int _i;

    private Parser(List<Token> tokens, string name)
    {
        _tokens = tokens;
        _name = name;
    }

    /// <summary>Parses <paramref name="source"/> into statements.</summary>
    /// <exception cref="JinjaException">A syntax error or an unsupported construct, with its line.</exception>
    public static List<Stmt> Parse(string source, string name)
    {
        var parser = new Parser(Lexer.Tokenize(source, name), name);
        var body = parser.Body([]);
        return body;
    }

    private Token Current => _tokens[_i];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_i + ahead, _tokens.Count - 1)];

    private Token Next() => _tokens[_i++];

    private JinjaException Error(Token at, string message) => new(_name, at.Line, message);

    private Token Expect(TokenKind kind, string? value = null)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
            throw Error(t, $"expected {(value is null ? kind.ToString().ToLowerInvariant() : $"'{value}'")}, found {t}.");
        return Next();
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _i++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        _i++;
        return true;
    }

    // Statements up to a block tag whose name is in endTags; leaves the parser on that name.
    private List<Stmt> Body(string[] endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Text:
                    body.Add(new TextStmt(t.Line, t.Value));
                    _i++;
                    break;
                case TokenKind.VariableBegin:
                    _i++;
                    body.Add(new OutputStmt(t.Line, Tuple(withCondExpr: true)));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    _i++;
                    if (Current.Kind == TokenKind.Name && endTags.Contains(Current.Value)) return body;
                    body.Add(Statement());
                    break;
                case TokenKind.End:
                    if (endTags.Length > 0)
                        throw Error(t, $"the template ended where '{{% {endTags[^1]} %}}' was expected.");
                    return body;
                default:
                    throw Error(t, $"unexpected {t}.");
            }
        }
    }

    // The end tag the body stopped at: its name, then '%}'.
    private string EndTag()
    {
        var name = Expect(TokenKind.Name).Value;
        Expect(TokenKind.BlockEnd);
        return name;
    }

    private Stmt Statement()
    {
        var t = Current;
        if (t.Kind != TokenKind.Name) throw Error(t, $"expected a tag name, found {t}.");
        _i++;
        switch (t.Value)
        {
            case "if": return If(t.Line);
            case "for": return For(t.Line);
            case "set": return Set(t.Line);
            case "macro": return Macro(t.Line);
            case "break":
            case "continue":
                Expect(TokenKind.BlockEnd);
                return new LoopControlStmt(t.Line, t.Value == "break");
            case "generation":
                Expect(TokenKind.BlockEnd);
                var body = Body(["endgeneration"]);
                EndTag();
                return new GenerationStmt(t.Line, body);
            default:
                throw Error(t, $"unsupported tag '{t.Value}' (this engine knows if, for, set, macro, break, continue, generation).");
        }
    }

    private IfStmt If(int line)
    {
        var test = Tuple(withCondExpr: true);
        Expect(TokenKind.BlockEnd);
        var then = Body(["elif", "else", "endif"]);
        var tag = Current;
        switch (EndTagName())
        {
            case "elif":
                return new IfStmt(line, test, then, [If(tag.Line)]);
            case "else":
                Expect(TokenKind.BlockEnd);
                var orElse = Body(["endif"]);
                EndTag();
                return new IfStmt(line, test, then, orElse);
            default:
                Expect(TokenKind.BlockEnd);
                return new IfStmt(line, test, then, []);
        }
    }

    private string EndTagName() => Expect(TokenKind.Name).Value;

    private ForStmt For(int line)
    {
        var target = AssignTarget(allowAttribute: false);
        Expect(TokenKind.Name, "in");
        var iterable = Tuple(withCondExpr: false);
        var filter = SkipName("if") ? Expression() : null;
        if (Current.IsName("recursive")) throw Error(Current, "unsupported: recursive for loops.");
        Expect(TokenKind.BlockEnd);
        var body = Body(["endfor", "else"]);
        IReadOnlyList<Stmt> orElse = [];
        if (EndTagName() == "else")
        {
            Expect(TokenKind.BlockEnd);
            orElse = Body(["endfor"]);
            EndTag();
        }
        else Expect(TokenKind.BlockEnd);
        return new ForStmt(line, target, iterable, filter, body, orElse);
    }

    private Stmt Set(int line)
    {
        var target = AssignTarget(allowAttribute: true);
        if (SkipOperator("="))
        {
            var value = Tuple(withCondExpr: true);
            Expect(TokenKind.BlockEnd);
            return new SetStmt(line, target, value);
        }
        if (Current.IsOperator("|")) throw Error(Current, "unsupported: filters on a block set.");
        Expect(TokenKind.BlockEnd);
        var body = Body(["endset"]);
        EndTag();
        return new SetBlockStmt(line, target, body);
    }

    private MacroStmt Macro(int line)
    {
        var name = Expect(TokenKind.Name).Value;
        Expect(TokenKind.Operator, "(");
        var parameters = new List<MacroParameter>();
        while (!SkipOperator(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            if (SkipOperator(")")) break;
            var p = Expect(TokenKind.Name).Value;
            parameters.Add(new MacroParameter(p, SkipOperator("=") ? Expression() : null));
        }
        Expect(TokenKind.BlockEnd);
        var body = Body(["endmacro"]);
        EndTag();
        return new MacroStmt(line, name, parameters, body);
    }

    private Target AssignTarget(bool allowAttribute)
    {
        var first = Expect(TokenKind.Name);
        if (allowAttribute && SkipOperator("."))
            return new Target(first.Line, [first.Value], Expect(TokenKind.Name).Value);
        var names = new List<string> { first.Value };
        while (SkipOperator(",")) names.Add(Expect(TokenKind.Name).Value);
        return new Target(first.Line, names, null);
    }
}
