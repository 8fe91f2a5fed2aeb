namespace OnnxKto.Data.ChatTemplates.Jinja;

// The statement tree the parser builds: text, output, and the tags chat templates use.

/// <summary>A statement node.</summary>
internal abstract record Stmt(int Line);

/// <summary>Template text, written as is.</summary>
internal sealed record TextStmt(int Line, string Text) : Stmt(Line);

/// <summary><c>{{ expr }}</c>.</summary>
internal sealed record OutputStmt(int Line, Expr Value) : Stmt(Line);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c> (elif as a nested if in the else branch).</summary>
internal sealed record IfStmt(int Line, Expr Test, IReadOnlyList<Stmt> Then, IReadOnlyList<Stmt> Else) : Stmt(Line);

/// <summary>An assignment target: a name, <c>ns.attr</c>, or a tuple of names.</summary>
internal sealed record Target(int Line, IReadOnlyList<string> Names, string? Attribute)
{
    /// <summary>True for <c>a, b</c>.</summary>
    public bool IsTuple => Names.Count > 1;
}

/// <summary><c>{% for target in iter [if filter] %}body{% else %}orelse{% endfor %}</c>.</summary>
internal sealed record ForStmt(int Line, Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body,
    IReadOnlyList<Stmt> Else) : Stmt(Line);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStmt(int Line, Target Target, Expr Value) : Stmt(Line);

/// <summary><c>{% set name %}body{% endset %}</c>.</summary>
internal sealed record SetBlockStmt(int Line, Target Target, IReadOnlyList<Stmt> Body) : Stmt(Line);

/// <summary>One macro parameter with its default (null for none).</summary>
internal sealed record MacroParameter(string Name, Expr? Default);

/// <summary><c>{% macro name(params) %}body{% endmacro %}</c>.</summary>
internal sealed record MacroStmt(int Line, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body) : Stmt(Line);

/// <summary><c>{% break %}</c> or <c>{% continue %}</c> (the loopcontrols extension).</summary>
internal sealed record LoopControlStmt(int Line, bool IsBreak) : Stmt(Line);

/// <summary><c>{% generation %}body{% endgeneration %}</c>: transformers' AssistantTracker; the body renders unchanged.</summary>
internal sealed record GenerationStmt(int Line, IReadOnlyList<Stmt> Body) : Stmt(Line);
