namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// Metaspace: spaces become the replacement character (▁), which is prepended to every piece (<c>prepend_scheme</c>
/// "always"), to the one that begins the input ("first") or to none ("never"); with <c>split</c> the piece is then cut
/// before each ▁.
/// </summary>
internal sealed class MetaspaceSplitter(char replacement, PrependScheme scheme, bool split) : WordSplitter
{
    public static new MetaspaceSplitter Read(JsonFields part) =>
        new(PipelineJson.Char(part, "replacement", '▁'), PrependSchemes.Read(part), part.OptionalBool("split") ?? true);

    public override List<string> Split(string piece, bool atStart)
    {
        piece = piece.Replace(' ', replacement);
        bool prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && atStart);
        if (prepend && !piece.StartsWith(replacement)) piece = replacement + piece;
        return split ? Splitting.Split(piece, c => c == replacement, SplitBehavior.MergedWithNext) : [piece];
    }
}
