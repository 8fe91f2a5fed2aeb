using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>Added tokens' options as Hugging Face's <c>AddedToken</c> documents them.</summary>
[TestClass]
public sealed class AddedTokenMatcherTests
{
    private static string[] Pieces(AddedToken token, string text) =>
        new AddedTokenMatcher([token]).Split(text).Select(p => p.Id is null ? p.Text : $"[{p.Text}]").ToArray();

    private static AddedToken Mask(bool lstrip = false, bool rstrip = false, bool singleWord = false) =>
        new(9, "<mask>", Special: true, lstrip, rstrip, Normalized: false, singleWord);

    [TestMethod]
    public void StripOptionsTakeTheWhitespaceOnTheirSide()
    {
        CollectionAssert.AreEqual(new[] { "I saw a", "[<mask>]", " there" }, Pieces(Mask(lstrip: true), "I saw a <mask> there"));
        CollectionAssert.AreEqual(new[] { "I saw a ", "[<mask>]", "there" }, Pieces(Mask(rstrip: true), "I saw a <mask> there"));
        CollectionAssert.AreEqual(new[] { "I saw a ", "[<mask>]", " there" }, Pieces(Mask(), "I saw a <mask> there"));
    }

    [TestMethod]
    public void ASingleWordTokenMatchesOnlyBetweenNonWordCharacters()
    {
        var ing = new AddedToken(9, "ing", Special: false, LStrip: false, RStrip: false, Normalized: false, SingleWord: true);
        CollectionAssert.AreEqual(new[] { "[ing]", " playing ", "[ing]", "!" }, Pieces(ing, "ing playing ing!"));
        CollectionAssert.AreEqual(new[] { "play", "[ing]" }, Pieces(ing with { SingleWord = false }, "playing"));
    }

    [TestMethod]
    public void TheLongestTokenWinsWhereSeveralStart()
    {
        var matcher = new AddedTokenMatcher([new AddedToken(1, "<|im", true, false, false, false, false), new AddedToken(2, "<|im_end|>", true, false, false, false, false)]);
        CollectionAssert.AreEqual(new int?[] { null, 2, 1 }, matcher.Split("a<|im_end|><|im").Select(p => p.Id).ToArray());
    }
}
