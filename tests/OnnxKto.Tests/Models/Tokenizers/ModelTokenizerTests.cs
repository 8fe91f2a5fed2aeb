using System.Text.Json;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Tokenizers;

[TestClass]
public sealed class ModelTokenizerTests
{
    // Byte-level vocabulary: GPT-2 maps byte 0x20 to 'Ġ', and bytes 0xC3, 0xA9 (UTF-8 of 'é') to 'Ã', '©'.
    private const string TinyVocab = """
        {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "Ġab": 5, "Ġc": 6, "<|endoftext|>": 7, "Ã": 8, "©": 9, "Ã©": 10, "1": 11, "2": 12, "12": 13}
        """;
    private const string TinyMerges = "#version: 0.2\na b\nĠ ab\nĠ c\nÃ ©\n1 2\n";

    private static TempFolder TinyBpeFolder()
    {
        var dir = new TempFolder();
        dir.WriteText("vocab.json", TinyVocab);
        dir.WriteText("merges.txt", TinyMerges);
        return dir;
    }

    [TestMethod]
    public void Gpt2PresetEncodesKnownIds()
    {
        var gpt2 = ModelTokenizer.Load("preset:gpt2");

        CollectionAssert.AreEqual(new[] { 15496, 995 }, gpt2.Encode("Hello world"));
        CollectionAssert.AreEqual(new[] { 50256 }, gpt2.Encode("<|endoftext|>"));
        Assert.AreEqual("Hello world<|endoftext|>", gpt2.Decode([15496, 995, 50256]));
        Assert.AreEqual(50256, gpt2.EosTokenId);
        Assert.AreEqual("<|endoftext|>", gpt2.EosToken);
        Assert.AreEqual(50256, gpt2.PadTokenId);
        Assert.AreEqual(50257, gpt2.VocabSize);
        Assert.IsFalse(gpt2.AddsBos);
    }

    [TestMethod]
    [DataRow("ab ab c", new[] { 4, 5, 6 })]
    [DataRow("abc", new[] { 4, 2 })]
    [DataRow("ab<|endoftext|> c", new[] { 4, 7, 6 })]
    [DataRow("é", new[] { 10 })]
    [DataRow("12", new[] { 13 })]
    public void VocabAndMergesEncodeLikeGpt2(string text, int[] expected)
    {
        using var dir = TinyBpeFolder();
        var tokenizer = ModelTokenizer.Load(dir.Path);

        CollectionAssert.AreEqual(expected, tokenizer.Encode(text));
        Assert.AreEqual(text, tokenizer.Decode(expected));
    }

    [TestMethod]
    public void VocabAndMergesDefaultToEndOfTextForEosAndPad()
    {
        using var dir = TinyBpeFolder();
        var tokenizer = ModelTokenizer.Load(dir.Path);

        Assert.AreEqual(7, tokenizer.EosTokenId);
        Assert.AreEqual("<|endoftext|>", tokenizer.EosToken);
        Assert.AreEqual(7, tokenizer.PadTokenId);
        Assert.IsNull(tokenizer.BosTokenId);
        Assert.AreEqual(14, tokenizer.VocabSize);
    }

    [TestMethod]
    public void TokenizerJsonUsesItsSplitPatternAndAddedTokens()
    {
        using var dir = new TempFolder();
        // Qwen2's pre-tokenizer: its Split regex isolates single digits, so the "1 2" merge never applies across them.
        var tokenizerJson = new
        {
            added_tokens = new[] { new { id = 14, content = "<|im_end|>", special = true } },
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
                },
            },
            model = new
            {
                type = "BPE",
                vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(TinyVocab),
                merges = TinyMerges.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToArray(),
            },
        };
        dir.WriteText("tokenizer.json", JsonSerializer.Serialize(tokenizerJson));
        dir.WriteText("tokenizer_config.json", """{"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "bos_token": null}""");

        var tokenizer = ModelTokenizer.Load(dir.Path);

        CollectionAssert.AreEqual(new[] { 11, 12 }, tokenizer.Encode("12"));
        CollectionAssert.AreEqual(new[] { 4, 5, 14 }, tokenizer.Encode("ab ab<|im_end|>"));
        Assert.AreEqual(14, tokenizer.EosTokenId);
        Assert.AreEqual("<|im_end|>", tokenizer.EosToken);
        Assert.AreEqual(7, tokenizer.PadTokenId);
        Assert.AreEqual(15, tokenizer.VocabSize);
    }

    private static TempFolder SentencePieceFolder(string? tokenizerConfig)
    {
        var dir = new TempFolder();
        // BPE merges by score: "ab" (-1) before "▁ab" (-2) before "▁a" (-3).
        SentencePieceModelWriter.Write(dir.File("tokenizer.model"),
        [
            ("<unk>", 0, SentencePieceModelWriter.Unknown), ("<s>", 0, SentencePieceModelWriter.Control), ("</s>", 0, SentencePieceModelWriter.Control),
            ("a", -4, SentencePieceModelWriter.Normal), ("b", -5, SentencePieceModelWriter.Normal), ("▁", -6, SentencePieceModelWriter.Normal),
            ("ab", -1, SentencePieceModelWriter.Normal), ("▁ab", -2, SentencePieceModelWriter.Normal), ("▁a", -3, SentencePieceModelWriter.Normal),
        ]);
        if (tokenizerConfig is not null)
            dir.WriteText("tokenizer_config.json", tokenizerConfig);
        return dir;
    }

    [TestMethod]
    public void SentencePieceAddsBosWhenTheConfigSaysSo()
    {
        using var dir = SentencePieceFolder("""{"add_bos_token": true, "bos_token": "<s>", "eos_token": {"content": "</s>", "special": true}}""");
        var tokenizer = ModelTokenizer.Load(dir.Path);

        // "ab ab" → "▁ab▁ab" → ▁ a b ▁ a b → ▁ ab ▁ ab → ▁ab ▁ab.
        CollectionAssert.AreEqual(new[] { 1, 7, 7 }, tokenizer.Encode("ab ab"));
        CollectionAssert.AreEqual(new[] { 1, 8, 2 }, tokenizer.Encode("a</s>"));
        Assert.AreEqual("ab ab", tokenizer.Decode([7, 7]));
        Assert.AreEqual(2, tokenizer.EosTokenId);
        Assert.AreEqual("</s>", tokenizer.EosToken);
        Assert.AreEqual(1, tokenizer.BosTokenId);
        Assert.AreEqual(2, tokenizer.PadTokenId);
        Assert.AreEqual(9, tokenizer.VocabSize);
    }

    [TestMethod]
    public void SentencePieceWithoutConfigTakesTheModelsIdsAndAddsNoBos()
    {
        using var dir = SentencePieceFolder(null);
        var tokenizer = ModelTokenizer.Load(dir.Path);

        CollectionAssert.AreEqual(new[] { 7, 2 }, tokenizer.Encode("ab</s>"));
        Assert.AreEqual(2, tokenizer.EosTokenId);
        Assert.AreEqual(1, tokenizer.BosTokenId);
        Assert.IsFalse(tokenizer.AddsBos);
    }

    [TestMethod]
    public void FolderWithoutTokenizerFilesListsTheFilesLookedFor()
    {
        using var dir = new TempFolder();

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => ModelTokenizer.Load(dir.Path));
        StringAssert.Contains(e.Message, dir.Path);
        StringAssert.Contains(e.Message, "vocab.json + merges.txt");
        StringAssert.Contains(e.Message, "tokenizer.model");
    }

    [TestMethod]
    public void EosTokenMissingFromTheVocabularyIsInvalidData()
    {
        using var dir = TinyBpeFolder();
        dir.WriteText("tokenizer_config.json", """{"eos_token": "</s>"}""");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => ModelTokenizer.Load(dir.Path));
        StringAssert.Contains(e.Message, "eos_token '</s>'");
    }

    [TestMethod]
    public void MissingFolderIsDirectoryNotFound()
    {
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ModelTokenizer.Load("/nonexistent/onnxkto/tokenizer"));
    }
}
