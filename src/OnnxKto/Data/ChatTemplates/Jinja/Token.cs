namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>The kinds of <see cref="Token"/> the lexer produces.</summary>
internal enum TokenKind
{
    /// <summary>Template text outside tags.</summary>
    Text,
    /// <summary><c>{{</c></summary>
    VariableBegin,
    /// <summary><c>}}</c></summary>
    VariableEnd,
    /// <summary><c>{%</c></summary>
    BlockBegin,
    /// <summary><c>%}</c></summary>
    BlockEnd,
    /// <summary>An identifier (keywords included).</summary>
    Name,
    /// <summary>A string literal, already unescaped.</summary>
    String,
    /// <summary>An integer literal.</summary>
    Integer,
    /// <summary>A float literal.</summary>
    Float,
    /// <summary>An operator or punctuation such as <c>==</c>, <c>|</c>, <c>(</c>.</summary>
    Operator,
    /// <summary>The end of the template.</summary>
    End,
}

/// <summary>One lexical token with the 1-based line it starts on.</summary>
internal sealed record Token(TokenKind Kind, string Value, int Line)
{
    /// <summary>True for the operator <paramref name="op"/>.</summary>
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    /// <summary>True for the name (keyword) <paramref name="name"/>.</summary>
    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        TokenKind.End => "end of template",
        TokenKind.String => $"string '{Value}'",
        TokenKind.Text => "template text",
        _ => $"'{Value}'",
    };
}
