using OnnxKto.Models.Tokenizers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>Whole <c>tokenizer.json</c> folders: Llama 3's layout, normalized added tokens, refused post-processors.</summary>
[TestClass]
public sealed class TokenizerJsonPipelineTests
{
    private const string Llama3Split = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static string Llama3Json(string postProcessor) => $$$"""
        {"added_tokens": [
           {"id": 8, "content": "<|begin_of_text|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
           {"id": 9, "content": "<|eot_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
         "normalizer": null,
         "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
           {"type": "Split", "pattern": {"Regex": {{{System.Text.Json.JsonSerializer.Serialize(Llama3Split)}}}}, "behavior": "Isolated", "invert": false},
           {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]},
         "post_processor": {{{postProcessor}}},
         "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
         "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null,
           "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
           "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "Ġ": 4, "he": 5, "ll": 6, "hello": 7},
           "merges": [["h", "e"], ["l", "l"]]}}
        """;

    private const string Llama3PostProcessor = """
        {"type": "Sequence", "processors": [
          {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
          {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
           "pair": [], "special_tokens": {}}]}
        """;

    [TestMethod]
    public void Llama3sLayoutAddsBosTakesWholeWordsAndMatchesItsSpecialTokens()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer.json", Llama3Json(Llama3PostProcessor));
        dir.WriteText("tokenizer_config.json", """{"eos_token": "<|eot_id|>"}""");

        var tokenizer = ModelTokenizer.Load(dir.Path);

        // "hello" is in the vocabulary: taken whole (ignore_merges); "Ġhello" is not: Ġ, he, ll, o by the merges.
        CollectionAssert.AreEqual(new[] { 8, 7, 4, 5, 6, 3, 9 }, tokenizer.Encode("hello hello<|eot_id|>"));
        Assert.AreEqual("hello hello<|eot_id|>", tokenizer.Decode([7, 4, 5, 6, 3, 9]));
        Assert.IsTrue(tokenizer.AddsBos);
        Assert.AreEqual(8, tokenizer.BosTokenId);
        Assert.AreEqual(9, tokenizer.EosTokenId);
        Assert.AreEqual(10, tokenizer.VocabSize);
        Assert.AreEqual(" hello", ContinuationText.Of(tokenizer, [8, 7], [4, 5, 6, 3]));
    }

    [TestMethod]
    public void NormalizedAddedTokensMatchTheNormalizedText()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer.json", """
            {"added_tokens": [{"id": 5, "content": "hey", "normalized": true, "special": false},
                              {"id": 6, "content": "YO", "normalized": false, "special": false},
                              {"id": 7, "content": "</s>", "normalized": false, "special": true}],
             "normalizer": {"type": "Lowercase"}, "pre_tokenizer": null, "decoder": {"type": "Fuse"},
             "model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "y": 2, "o": 3, "x": 4}, "merges": []}}
            """);
        dir.WriteText("tokenizer_config.json", """{"eos_token": "</s>"}""");

        var tokenizer = ModelTokenizer.Load(dir.Path);

        CollectionAssert.AreEqual(new[] { 5, 4, 6, 2, 3 }, tokenizer.Encode("HEYxYOyo"), "HEY lowercases to the token; YO is matched before lowercasing");
        Assert.IsFalse(tokenizer.AddsBos);
    }

    [TestMethod]
    [DataRow("""{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|eot_id|>", "type_id": 0}}], "pair": [], "special_tokens": {}}""", "only one special token before $A")]
    [DataRow("""{"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}""", "post-processor type 'BertProcessing' is not supported")]
    public void PostProcessorsThatAddOtherTokensAreRefusedByName(string postProcessor, string message)
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer.json", Llama3Json(postProcessor));
        dir.WriteText("tokenizer_config.json", """{"eos_token": "<|eot_id|>"}""");

        var e = Assert.ThrowsExactly<NotSupportedException>(() => ModelTokenizer.Load(dir.Path));
        StringAssert.Contains(e.Message, message);
        StringAssert.Contains(e.Message, "tokenizer.json");
    }
}
