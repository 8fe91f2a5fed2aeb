using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>Decoders against the examples of Hugging Face's <c>tokenizers</c> tests.</summary>
[TestClass]
public sealed class TokenDecoderTests
{
    [TestMethod]
    public void ByteFallbackDecodesValidRunsAndReplacesInvalidBytesOneEach()
    {
        var decoder = TokenDecoder.Read(PipelineParts.Json("""{"type": "ByteFallback"}"""));
        string Decode(params string[] tokens) => string.Concat(decoder.Decode([.. tokens]));
        Assert.AreEqual("Heyfriend!", Decode("Hey", "friend!"));
        Assert.AreEqual("a", Decode("<0x61>"));
        Assert.AreEqual("\uFFFD", Decode("<0xE5>"));
        Assert.AreEqual("\uFFFD\uFFFD", Decode("<0xE5>", "<0x8f>"));
        Assert.AreEqual("叫", Decode("<0xE5>", "<0x8f>", "<0xab>"));
        Assert.AreEqual("\uFFFD\uFFFDa", Decode("<0xE5>", "<0x8f>", "a"));
    }

    [TestMethod]
    public void StripReplaceFuseAndMetaspaceWorkTokenByToken()
    {
        CollectionAssert.AreEqual(new[] { "ey", " friend!", "HH" },
            TokenDecoder.Read(PipelineParts.Json("""{"type": "Strip", "content": "H", "start": 1, "stop": 0}""")).Decode(["Hey", " friend!", "HHH"]));
        CollectionAssert.AreEqual(new[] { " Hey", " friend" },
            TokenDecoder.Read(PipelineParts.Json("""{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}""")).Decode(["▁Hey", "▁friend"]));
        CollectionAssert.AreEqual(new[] { "Hey friend!" }, TokenDecoder.Read(PipelineParts.Json("""{"type": "Fuse"}""")).Decode(["Hey", " friend!"]));
        CollectionAssert.AreEqual(new[] { "Hey", " friend!" },
            TokenDecoder.Read(PipelineParts.Json("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}""")).Decode(["▁Hey", "▁friend!"]));
        CollectionAssert.AreEqual(new[] { " Hey", " friend!" },
            TokenDecoder.Read(PipelineParts.Json("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"}""")).Decode(["▁Hey", "▁friend!"]));
    }

    [TestMethod]
    public void ByteLevelMapsCharactersBackToBytes()
    {
        var decoder = TokenDecoder.Read(PipelineParts.Json("""{"type": "ByteLevel"}"""));
        Assert.AreEqual("Hello there dear friend! [PA D]", string.Concat(decoder.Decode(["Hello", "Ġthere", "Ġdear", "Ġfriend!", "Ġ", "[PA D]"])));
        Assert.AreEqual("hé", string.Concat(decoder.Decode(["h", "Ã", "©"])));
    }

    [TestMethod]
    public void AnUnknownDecoderIsRefusedByName()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => TokenDecoder.Read(PipelineParts.Json("""{"type": "WordPiece", "prefix": "##"}""")));
        StringAssert.Contains(e.Message, "decoder type 'WordPiece' is not supported");
    }
}
