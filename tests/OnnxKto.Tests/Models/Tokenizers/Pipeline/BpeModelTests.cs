using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>The BPE model's options as Hugging Face's <c>tokenizers</c> documents them, on hand-worked vocabularies.</summary>
[TestClass]
public sealed class BpeModelTests
{
    private static List<int> Encode(string model, string word)
    {
        var ids = new List<int>();
        WordModel.Read(PipelineParts.Json(model)).Encode(word, ids);
        return ids;
    }

    [TestMethod]
    public void MergesApplyLowestRankFirst()
    {
        // "b c" ranks before "a b": abc → a bc, although "ab" exists too.
        const string model = """{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4}, "merges": ["b c", "a b"]}""";
        CollectionAssert.AreEqual(new[] { 0, 4 }, Encode(model, "abc"));
        CollectionAssert.AreEqual(new[] { 3, 3 }, Encode(model, "abab"));
    }

    [TestMethod]
    public void IgnoreMergesTakesAWordInTheVocabularyWhole()
    {
        // Merges alone cannot make "abc" (no "ab c" merge); Llama 3's ignore_merges takes it from the vocabulary.
        const string vocab = "\"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"abc\": 4}, \"merges\": [[\"a\", \"b\"]]";
        CollectionAssert.AreEqual(new[] { 4 }, Encode($$"""{"type": "BPE", "ignore_merges": true, {{vocab}}}""", "abc"));
        CollectionAssert.AreEqual(new[] { 3, 2 }, Encode($$"""{"type": "BPE", "ignore_merges": false, {{vocab}}}""", "abc"));
    }

    [TestMethod]
    public void ContinuingSubwordPrefixMarksEveryPieceButTheFirst()
    {
        const string model = """{"type": "BPE", "continuing_subword_prefix": "##", "vocab": {"a": 0, "##b": 1, "##c": 2, "ab": 3, "##bc": 4}, "merges": ["a ##b"]}""";
        CollectionAssert.AreEqual(new[] { 3, 2 }, Encode(model, "abc"));
    }

    [TestMethod]
    public void UnknownCharactersFallBackToBytesOrTheUnknownToken()
    {
        const string vocab = "\"vocab\": {\"<unk>\": 0, \"a\": 1, \"<0xC3>\": 2, \"<0xA9>\": 3}, \"merges\": []";
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, Encode($$"""{"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, {{vocab}}}""", "aé"));
        CollectionAssert.AreEqual(new[] { 1, 0 }, Encode($$"""{"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, {{vocab}}}""", "aéé"));
        CollectionAssert.AreEqual(new[] { 1, 0, 0 }, Encode($$"""{"type": "BPE", "unk_token": "<unk>", "fuse_unk": false, {{vocab}}}""", "aéé"));
    }

    [TestMethod]
    public void DropoutAndUnknownModelsAreRefusedByName()
    {
        var dropout = Assert.ThrowsExactly<NotSupportedException>(() => WordModel.Read(PipelineParts.Json("""{"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}""")));
        StringAssert.Contains(dropout.Message, "dropout");
        var wordPiece = Assert.ThrowsExactly<NotSupportedException>(() => WordModel.Read(PipelineParts.Json("""{"type": "WordPiece", "vocab": {"a": 0}}""")));
        StringAssert.Contains(wordPiece.Message, "model type 'WordPiece' is not supported");
    }
}
