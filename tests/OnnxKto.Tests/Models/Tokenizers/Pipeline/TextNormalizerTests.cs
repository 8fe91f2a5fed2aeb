using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>Normalizers against the behaviour Hugging Face's <c>tokenizers</c> documents.</summary>
[TestClass]
public sealed class TextNormalizerTests
{
    [TestMethod]
    [DataRow("""{"type": "Strip", "strip_left": true, "strip_right": true}""", "  Hello there  ", "Hello there")]
    [DataRow("""{"type": "Strip", "strip_left": true, "strip_right": false}""", "  Hello there  ", "Hello there  ")]
    [DataRow("""{"type": "Lowercase"}""", "HELLO Ünïcode", "hello ünïcode")]
    [DataRow("""{"type": "NFC"}""", "plain ASCII", "plain ASCII")]
    [DataRow("""{"type": "Prepend", "prepend": "▁"}""", "Hey", "▁Hey")]
    [DataRow("""{"type": "Prepend", "prepend": "▁"}""", "", "")]
    [DataRow("""{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}""", "a   b c", "a b c")]
    [DataRow("""{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}""", "Hey you", "▁Hey▁you")]
    public void NormalizesAsDocumented(string json, string input, string expected) =>
        Assert.AreEqual(expected, TextNormalizer.Read(PipelineParts.Json(json)).Normalize(input));

    [TestMethod]
    [DataRow("""{"type": "NFKC"}""", "ﬁne ①", "fine 1")]
    [DataRow("""{"type": "NFC"}""", "e\u0301", "\u00e9")]
    [DataRow("""{"type": "NFD"}""", "\u00e9", "e\u0301")]
    public void UnicodeFormsNormalizeOrAreRefusedByNameWithoutIcu(string json, string input, string expected)
    {
        var normalizer = TextNormalizer.Read(PipelineParts.Json(json));
        // The project builds with InvariantGlobalization; a build with ICU normalizes as Hugging Face does.
        if ("e\u0301".Normalize() == "\u00e9")
            Assert.AreEqual(expected, normalizer.Normalize(input));
        else
            StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => normalizer.Normalize(input)).Message, "InvariantGlobalization");
    }

    [TestMethod]
    public void APrecompiledCharacterMapIsRefusedByName()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => TextNormalizer.Read(PipelineParts.Json("""{"type": "Precompiled", "precompiled_charsmap": "AAA="}""")));
        StringAssert.Contains(e.Message, "normalizer type 'Precompiled' is not supported");
    }
}
