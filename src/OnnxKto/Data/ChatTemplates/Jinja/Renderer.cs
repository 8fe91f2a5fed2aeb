using System.Text;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Runs a parsed template: executes statements into a <see cref="StringBuilder"/> and evaluates expressions with
/// Python's semantics (<see cref="PyValues"/>). Errors raised while evaluating become <see cref="JinjaException"/>s
/// naming the template line of the innermost expression.
/// </summary>
/// <param name="name">The template's name, for error messages.</param>
internal sealed partial class Renderer(string name)
{
    /// <summary>How a block ended: normally, or by <c>break</c> / <c>continue</c>.</summary>
    public enum Flow
    {
        /// <summary>Ran to the end.</summary>
        Normal,
        /// <summary>Hit <c>{% break %}</c>.</summary>
        Break,
        /// <summary>Hit <c>{% continue %}</c>.</summary>
        Continue,
    }

    /// <summary>Executes <paramref name="body"/> in <paramref name="scope"/>, appending output.</summary>
    public Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            var flow = Execute(stmt, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt stmt, Scope scope, StringBuilder output)
    {
        try
        {
            switch (stmt)
            {
                case TextStmt t:
                    output.Append(t.Text);
                    return Flow.Normal;
                case OutputStmt o:
                    output.Append(PyValues.Str(Eval(o.Value, scope)));
                    return Flow.Normal;
                case IfStmt i:
                    return Execute(PyValues.Truthy(Eval(i.Test, scope)) ? i.Then : i.Else, scope, output);
                case ForStmt f:
                    For(f, scope, output);
                    return Flow.Normal;
                case SetStmt s:
                    Assign(s.Target, Eval(s.Value, scope), scope);
                    return Flow.Normal;
                case SetBlockStmt sb:
                    var text = new StringBuilder();
                    Execute(sb.Body, scope, text);
                    Assign(sb.Target, text.ToString(), scope);
                    return Flow.Normal;
                case MacroStmt m:
                    scope.Set(m.Name, new Macro(m, scope, this));
                    return Flow.Normal;
                case LoopControlStmt c:
                    return c.IsBreak ? Flow.Break : Flow.Continue;
                case GenerationStmt g:
                    return Execute(g.Body, scope, output);
                default:
                    throw new InvalidOperationException($"Unknown statement {stmt.GetType().Name}.");
            }
        }
        catch (RenderError e)
        {
            throw Located(stmt.Line, e);
        }
    }

    private void For(ForStmt f, Scope scope, StringBuilder output)
    {
        var items = PyValues.Iterate(Eval(f.Iterable, scope)).ToList();
        if (f.Filter is not null)
        {
            items = items.Where(item =>
            {
                var probe = new Scope(scope);
                Assign(f.Target, item, probe);
                return PyValues.Truthy(Eval(f.Filter, probe));
            }).ToList();
        }
        if (items.Count == 0)
        {
            Execute(f.Else, scope, output);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            Assign(f.Target, items[i], iteration);
            iteration.Set("loop", new LoopContext(items, i));
            if (Execute(f.Body, iteration, output) == Flow.Break) break;
        }
    }

    private static void Assign(Target target, object? value, Scope scope)
    {
        if (target.Attribute is { } attribute)
        {
            if (!scope.TryGet(target.Names[0], out var ns) || ns is not Namespace space)
                throw new RenderError($"TemplateRuntimeError: cannot assign attribute on non-namespace object '{target.Names[0]}'");
            space.Attributes[attribute] = value;
            return;
        }
        if (!target.IsTuple)
        {
            scope.Set(target.Names[0], value);
            return;
        }
        var parts = PyValues.Iterate(value).ToList();
        if (parts.Count != target.Names.Count)
            throw new RenderError($"ValueError: expected {target.Names.Count} values to unpack, got {parts.Count}");
        for (int i = 0; i < parts.Count; i++) scope.Set(target.Names[i], parts[i]);
    }

    private JinjaException Located(int line, RenderError e) =>
        e.Raised ? new JinjaRaisedException(name, line, e.Message) : new JinjaException(name, line, e.Message);

    /// <summary>Evaluates <paramref name="expr"/> in <paramref name="scope"/>.</summary>
    /// <exception cref="JinjaException">The evaluation failed; the message names the line.</exception>
    public object? Eval(Expr expr, Scope scope)
    {
        try
        {
            return Evaluate(expr, scope);
        }
        catch (RenderError e)
        {
            throw Located(expr.Line, e);
        }
    }

    private object? Evaluate(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case Literal l:
                return l.Value;
            case NameRef n:
                return scope.TryGet(n.Name, out var value) ? value : new Undefined($"'{n.Name}' is undefined");
            case GetAttr a:
                return Access.Attribute(Eval(a.Target, scope), a.Name);
            case GetItem g:
                return Access.Item(Eval(g.Target, scope), Eval(g.Key, scope));
            case SliceExpr s:
                return Access.Slice(Eval(s.Target, scope), Optional(s.Start, scope), Optional(s.Stop, scope), Optional(s.Step, scope));
            case CallExpr c:
                return Call(Eval(c.Callee, scope), c.Args, scope);
            case FilterExpr f:
                var (fargs, fkwargs) = Arguments(f.Args, scope);
                return Filters.Apply(f.Name, Eval(f.Value, scope), fargs, fkwargs);
            case TestExpr t:
                var (targs, tkwargs) = Arguments(t.Args, scope);
                return Tests.Apply(t.Name, Eval(t.Value, scope), targs, tkwargs);
            case UnaryExpr u:
                return Operators.Unary(u.Op, Eval(u.Operand, scope));
            case NotExpr n:
                return !PyValues.Truthy(Eval(n.Operand, scope));
            case BinaryExpr b:
                return Operators.Binary(b.Op, Eval(b.Left, scope), Eval(b.Right, scope));
            case ConcatExpr c:
                return string.Concat(c.Parts.Select(p => PyValues.Str(Eval(p, scope))));
            case LogicalExpr l:
                var left = Eval(l.Left, scope);
                return PyValues.Truthy(left) == l.IsAnd ? Eval(l.Right, scope) : left;
            case CompareExpr c:
                return Compare(c, scope);
            case CondExpr c:
                return PyValues.Truthy(Eval(c.Test, scope)) ? Eval(c.Then, scope)
                    : c.Else is null ? new Undefined($"the inline if-expression on line {c.Line} evaluated to false and no else section was defined.")
                    : Eval(c.Else, scope);
            case ListExpr l:
                var items = l.Items.Select(i => Eval(i, scope)).ToList();
                return l.IsTuple ? items.ToArray() : items;
            case DictExpr d:
                var dict = new OrderedDictionary<object, object?>();
                foreach (var (k, v) in d.Items)
                    dict[Eval(k, scope) ?? throw new RenderError("unsupported: a dict key of none")] = Eval(v, scope);
                return dict;
            default:
                throw new InvalidOperationException($"Unknown expression {expr.GetType().Name}.");
        }
    }

    private object? Optional(Expr? e, Scope scope) => e is null ? null : Eval(e, scope);

    private object? Call(object? callee, Arguments args, Scope scope)
    {
        if (callee is Undefined u) throw u.Fail();
        if (callee is not ICallable f) throw new RenderError($"TypeError: '{PyValues.TypeName(callee)}' object is not callable");
        var (positional, keywords) = Arguments(args, scope);
        return f.Call(positional, keywords);
    }

    private (List<object?>, List<KeyValuePair<string, object?>>) Arguments(Arguments args, Scope scope) =>
        (args.Positional.Select(a => Eval(a, scope)).ToList(),
         args.Keywords.Select(k => new KeyValuePair<string, object?>(k.Key, Eval(k.Value, scope))).ToList());

    private bool Compare(CompareExpr c, Scope scope)
    {
        var left = Eval(c.First, scope);
        foreach (var (op, rightExpr) in c.Rest)
        {
            var right = Eval(rightExpr, scope);
            bool holds = op switch
            {
                "==" => PyValues.Equal(left, right),
                "!=" => !PyValues.Equal(left, right),
                "in" => PyValues.Contains(right, left),
                "notin" => !PyValues.Contains(right, left),
                "<" => PyValues.Compare(left, right, op) < 0,
                "<=" => PyValues.Compare(left, right, op) <= 0,
                ">" => PyValues.Compare(left, right, op) > 0,
                _ => PyValues.Compare(left, right, op) >= 0,
            };
            if (!holds) return false;
            left = right;
        }
        return true;
    }
}
