using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>Pre-tokenizers against the examples of Hugging Face's <c>tokenizers</c> documentation and tests.</summary>
[TestClass]
public sealed class WordSplitterTests
{
    [TestMethod]
    // SplitDelimiterBehavior's documented example: "the-final--countdown" split on "-".
    [DataRow("Removed", new[] { "the", "final", "countdown" })]
    [DataRow("Isolated", new[] { "the", "-", "final", "-", "-", "countdown" })]
    [DataRow("MergedWithPrevious", new[] { "the-", "final-", "-", "countdown" })]
    [DataRow("MergedWithNext", new[] { "the", "-final", "-", "-countdown" })]
    [DataRow("Contiguous", new[] { "the", "-", "final", "--", "countdown" })]
    public void SplitBehavesAsDocumented(string behavior, string[] expected)
    {
        var split = WordSplitter.Read(PipelineParts.Json($$"""{"type": "Split", "pattern": {"String": "-"}, "behavior": "{{behavior}}", "invert": false}"""));
        CollectionAssert.AreEqual(expected, split.Split("the-final--countdown", atStart: true));
    }

    [TestMethod]
    public void SplitInvertedKeepsTheMatchesAsThePieces()
    {
        var split = WordSplitter.Read(PipelineParts.Json("""{"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Removed", "invert": true}"""));
        CollectionAssert.AreEqual(new[] { "12", "345" }, split.Split("ab12cd345", atStart: true));
    }

    [TestMethod]
    public void DigitsIsolateEachDigitOrKeepRunsTogether()
    {
        var individual = WordSplitter.Read(PipelineParts.Json("""{"type": "Digits", "individual_digits": true}"""));
        var runs = WordSplitter.Read(PipelineParts.Json("""{"type": "Digits", "individual_digits": false}"""));
        CollectionAssert.AreEqual(new[] { "Call ", "1", "2", "3", " please" }, individual.Split("Call 123 please", true));
        CollectionAssert.AreEqual(new[] { "Call ", "123", " please" }, runs.Split("Call 123 please", true));
    }

    [TestMethod]
    public void WhitespaceAndPunctuationSplitAsDocumented()
    {
        CollectionAssert.AreEqual(new[] { "Hello", "there", "!" }, WordSplitter.Read(PipelineParts.Json("""{"type": "Whitespace"}""")).Split("Hello there!", true));
        CollectionAssert.AreEqual(new[] { "Hello", "there!" }, WordSplitter.Read(PipelineParts.Json("""{"type": "WhitespaceSplit"}""")).Split("Hello  there!", true));
        CollectionAssert.AreEqual(new[] { "Hey friend", "!", "$", "?" },
            WordSplitter.Read(PipelineParts.Json("""{"type": "Punctuation", "behavior": "Isolated"}""")).Split("Hey friend!$?", true));
    }

    [TestMethod]
    public void MetaspaceReplacesSpacesAndPrependsBySchemeAndSplits()
    {
        var always = WordSplitter.Read(PipelineParts.Json("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"""));
        var first = WordSplitter.Read(PipelineParts.Json("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}"""));
        CollectionAssert.AreEqual(new[] { "▁Hey", "▁friend" }, always.Split("Hey friend", atStart: false));
        CollectionAssert.AreEqual(new[] { "▁", "▁Hey" }, always.Split("  Hey", atStart: false), "no ▁ in front of a piece that starts with one");
        CollectionAssert.AreEqual(new[] { "▁Hey▁friend" }, first.Split("Hey friend", atStart: true));
        CollectionAssert.AreEqual(new[] { "Hey▁friend" }, first.Split("Hey friend", atStart: false), "only the piece at the input's start");
    }

    [TestMethod]
    public void ByteLevelSplitsLikeGpt2AndWritesBytesAsCharacters()
    {
        var byteLevel = WordSplitter.Read(PipelineParts.Json("""{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}"""));
        var noRegex = WordSplitter.Read(PipelineParts.Json("""{"type": "ByteLevel", "add_prefix_space": true, "use_regex": false}"""));
        CollectionAssert.AreEqual(new[] { "Hello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġare", "Ġyou", "?" }, byteLevel.Split("Hello my friend, how are you?", true));
        CollectionAssert.AreEqual(new[] { "ĠhÃ©", }, noRegex.Split("hé", true), "a space in front, é as its two UTF-8 bytes");
    }

    [TestMethod]
    public void AnUnknownPreTokenizerIsRefusedByName()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => WordSplitter.Read(PipelineParts.Json("""{"type": "BertPreTokenizer"}""")));
        StringAssert.Contains(e.Message, "pre-tokenizer type 'BertPreTokenizer' is not supported");
    }
}
