using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// Splits a template into tokens as Jinja2's lexer does with transformers' settings: <c>trim_blocks</c> (the first
/// newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and tabs from the start of a line
/// up to a block or comment tag are dropped), whitespace control (<c>{%-</c>, <c>-%}</c>, <c>{{-</c>, <c>-}}</c>, and
/// <c>+</c> to keep whitespace), and <c>keep_trailing_newline=False</c> (one final newline of the source is dropped).
/// </summary>
internal sealed partial class Lexer
{
    private readonly string _src;
    private readonly string _name;
    private readonly int[] _lineStarts;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private bool _lineStarting = true;

    private Lexer(string source, string name)
    {
        // Jinja joins source.splitlines() with "\n" (newline_sequence), which also drops one final newline.
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        _src = source;
        _name = name;
        var starts = new List<int> { 0 };
        for (int i = 0; i < source.Length; i++)
            if (source[i] == '\n') starts.Add(i + 1);
        _lineStarts = [.. starts];
    }

    /// <summary>The tokens of <paramref name="source"/>, ending with a <see cref="TokenKind.End"/> token.</summary>
    /// <exception cref="JinjaException">An unterminated tag or string, an unexpected character, or a raw block.</exception>
    public static List<Token> Tokenize(string source, string name)
    {
        var lexer = new Lexer(source, name);
        lexer.Run();
        return lexer._tokens;
    }

    private int LineAt(int pos)
    {
        int i = Array.BinarySearch(_lineStarts, pos);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    private JinjaException Error(int pos, string message) => new(_name, LineAt(pos), message);

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int tag = NextTagStart(_pos);
            if (tag < 0)
            {
                Emit(TokenKind.Text, _src[_pos..], _pos);
                break;
            }
            char kind = _src[tag + 1];
            char sign = tag + 2 < _src.Length && _src[tag + 2] is '-' or '+' ? _src[tag + 2] : '\0';
            var text = _src[_pos..tag];
            if (sign == '-') text = text.TrimEnd(PythonWhitespace);
            else if (sign != '+' && kind != '{') text = LstripBlock(text);
            if (text.Length > 0) Emit(TokenKind.Text, text, _pos);
            int inner = tag + 2 + (sign == '\0' ? 0 : 1);
            if (kind == '#') Comment(tag, inner);
            else Tag(tag, inner, kind == '%');
        }
        _tokens.Add(new Token(TokenKind.End, "", LineAt(_src.Length)));
    }

    private int NextTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
            if (_src[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    // lstrip_blocks: whitespace between the start of a line and a block or comment tag goes.
    private string LstripBlock(string text)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting) return text;
        for (int i = lineStart; i < text.Length; i++)
            if (!IsPythonWhitespace(text[i])) return text;
        return text[..lineStart];
    }

    private void Comment(int tag, int inner)
    {
        for (int p = inner; p + 1 < _src.Length; p++)
        {
            if (_src[p] == '+' && At(p + 1, "#}")) { Finish(p + 3, trimNewline: false, stripAll: false); return; }
            if (_src[p] == '-' && At(p + 1, "#}")) { Finish(p + 3, trimNewline: false, stripAll: true); return; }
            if (At(p, "#}")) { Finish(p + 2, trimNewline: true, stripAll: false); return; }
        }
        throw Error(tag, "the comment is not closed with '#}'.");
    }

    private void Tag(int tag, int inner, bool block)
    {
        if (block && RawBlock().Match(_src, inner) is { Success: true })
            throw Error(tag, "unsupported tag 'raw'.");
        _tokens.Add(new Token(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, block ? "{%" : "{{", LineAt(tag)));
        string close = block ? "%}" : "}}";
        int depth = 0;
        _pos = inner;
        while (true)
        {
            while (_pos < _src.Length && IsPythonWhitespace(_src[_pos])) _pos++;
            if (_pos >= _src.Length) throw Error(tag, $"the tag is not closed with '{close}'.");
            if (depth == 0)
            {
                int start = _pos;
                if (_src[_pos] == '-' && At(_pos + 1, close)) { EndTag(block, start, _pos + 3, trimNewline: false, stripAll: true); return; }
                if (block && _src[_pos] == '+' && At(_pos + 1, close)) { EndTag(block, start, _pos + 3, trimNewline: false, stripAll: false); return; }
                if (At(_pos, close)) { EndTag(block, start, _pos + 2, trimNewline: block, stripAll: false); return; }
            }
            depth += InnerToken();
        }
    }

    private void EndTag(bool block, int start, int end, bool trimNewline, bool stripAll)
    {
        _tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, block ? "%}" : "}}", LineAt(start)));
        Finish(end, trimNewline, stripAll);
    }

    // Moves past a tag's end, eating the newline (trim_blocks) or all whitespace ('-'), and records whether the
    // consumed text ended a line (Jinja's line_starting, which lets lstrip_blocks strip the next line's indent).
    private void Finish(int end, bool trimNewline, bool stripAll)
    {
        if (trimNewline && end < _src.Length && _src[end] == '\n') end++;
        if (stripAll) while (end < _src.Length && IsPythonWhitespace(_src[end])) end++;
        _lineStarting = _src[end - 1] == '\n';
        _pos = end;
    }

    // Reads one token inside a tag; returns the change in bracket depth.
    private int InnerToken()
    {
        int start = _pos, line = LineAt(_pos);
        Match m;
        if ((m = FloatLiteral().Match(_src, _pos)).Success && !(start > 0 && _src[start - 1] == '.'))
        {
            _tokens.Add(new Token(TokenKind.Float, m.Value.Replace("_", ""), line));
            _pos += m.Length;
            return 0;
        }
        if ((m = IntegerLiteral().Match(_src, _pos)).Success)
        {
            _tokens.Add(new Token(TokenKind.Integer, m.Value.Replace("_", ""), line));
            _pos += m.Length;
            return 0;
        }
        if ((m = NameToken().Match(_src, _pos)).Success)
        {
            _tokens.Add(new Token(TokenKind.Name, m.Value, line));
            _pos += m.Length;
            return 0;
        }
        if (_src[_pos] is '\'' or '"')
        {
            _tokens.Add(new Token(TokenKind.String, StringLiteral(), line));
            return 0;
        }
        foreach (var op in Operators)
        {
            if (!At(_pos, op)) continue;
            _tokens.Add(new Token(TokenKind.Operator, op, line));
            _pos += op.Length;
            return op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" ? -1 : 0;
        }
        throw Error(start, $"unexpected character '{_src[start]}'.");
    }

    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"];

    private string StringLiteral()
    {
        char quote = _src[_pos];
        int start = _pos++;
        var raw = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length) throw Error(start, "the string literal is not closed.");
            char c = _src[_pos];
            if (c == quote) { _pos++; break; }
            if (c == '\\' && _pos + 1 < _src.Length) { raw.Append(c).Append(_src[_pos + 1]); _pos += 2; continue; }
            raw.Append(c);
            _pos++;
        }
        return Unescape(raw.ToString(), start);
    }

    // Python's 'unicode-escape' decoding, which Jinja applies to string literals; unknown escapes keep their backslash.
    private string Unescape(string s, int at)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length) { sb.Append(s[i]); continue; }
            char e = s[++i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break;
                case 'x': sb.Append(HexEscape(s, ref i, 2, at)); break;
                case 'u': sb.Append(HexEscape(s, ref i, 4, at)); break;
                case 'U': sb.Append(HexEscape(s, ref i, 8, at)); break;
                case >= '0' and <= '7':
                    int n = 0, digits = 0;
                    for (i--; digits < 3 && i + 1 < s.Length && s[i + 1] is >= '0' and <= '7'; digits++) n = n * 8 + (s[++i] - '0');
                    sb.Append((char)n);
                    break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        return sb.ToString();
    }

    private string HexEscape(string s, ref int i, int digits, int at)
    {
        if (i + digits >= s.Length || !int.TryParse(s.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
            throw Error(at, $"a string literal has a truncated \\{s[i]} escape.");
        i += digits;
        return char.ConvertFromUtf32(code);
    }

    private bool At(int pos, string s) => string.CompareOrdinal(_src, pos, s, 0, s.Length) == 0;

    private void Emit(TokenKind kind, string value, int pos) => _tokens.Add(new Token(kind, value, LineAt(pos)));

    private static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    private static readonly char[] PythonWhitespace =
        [.. Enumerable.Range(0, 0x3001).Select(i => (char)i).Where(IsPythonWhitespace)];

    [GeneratedRegex(@"\G(\d+_)*\d+((\.(\d+_)*\d+)?[eE][+\-]?(\d+_)*\d+|\.(\d+_)*\d+)")]
    private static partial Regex FloatLiteral();

    [GeneratedRegex(@"\G(0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[1-9](_?\d)*|0(_?0)*)")]
    private static partial Regex IntegerLiteral();

    [GeneratedRegex(@"\G[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex NameToken();

    [GeneratedRegex(@"\G\s*raw\s*[-+]?%\}")]
    private static partial Regex RawBlock();
}
