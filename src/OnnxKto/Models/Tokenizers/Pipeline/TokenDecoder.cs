namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// A <c>tokenizer.json</c> decoder: ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, Sequence. Each turns the
/// list of token texts into another; the decoded text is the last list joined.
/// </summary>
internal abstract class TokenDecoder
{
    private const string Supported = "ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, Sequence";

    public abstract List<string> Decode(List<string> tokens);

    /// <exception cref="NotSupportedException">A decoder type this reader does not run, named.</exception>
    public static TokenDecoder Read(JsonFields part) => PipelineJson.Type(part) switch
    {
        "Sequence" => new SequenceDecoder(PipelineJson.Parts(part, "decoders").Select(Read).ToArray()),
        "ByteLevel" => new ByteLevelDecoder(),
        "ByteFallback" => new ByteFallbackDecoder(),
        "Fuse" => new FuseDecoder(),
        "Strip" => new StripDecoder(PipelineJson.Char(part, "content", ' '), part.OptionalInt("start") ?? 0, part.OptionalInt("stop") ?? 0),
        "Replace" => new ReplaceDecoder(PipelineJson.Pattern(part), part.String("content")),
        "Metaspace" => new MetaspaceDecoder(PipelineJson.Char(part, "replacement", '▁'), PrependSchemes.Read(part)),
        _ => throw PipelineJson.Unsupported(part, "decoder", Supported),
    };
}
