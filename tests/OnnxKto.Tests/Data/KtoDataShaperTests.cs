using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

/// <summary>Ids by hand with <see cref="CharTokenizer"/>: 'a'=97 'b'=98 'c'=99 'd'=100 'x'=120 'y'=121 'z'=122, EOS=1000.</summary>
[TestClass]
public sealed class KtoDataShaperTests
{
    private static readonly RowLocation At = new("t.jsonl", 1, true);

    private static KtoDataset Dataset(params KtoExample[] examples) => new(examples, ["t.jsonl"], examples.Length, 0, 0, []);

    private static ShapedDataset Shape(DataOptions options, params KtoExample[] examples) =>
        KtoDataShaper.Shape(Dataset(examples), new CharTokenizer(), options);

    [TestMethod]
    public void StandardCompletionGetsEosAppendedOnce()
    {
        var shaped = Shape(new DataOptions(),
            new TextExample("ab", "xyz", true, At),
            new TextExample("ab", "xy</s>", false, At));

        CollectionAssert.AreEqual(new[] { 97, 98 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 120, 121, 122, 1000 }, shaped.Examples[0].CompletionIds);
        CollectionAssert.AreEqual(new[] { 120, 121, 1000 }, shaped.Examples[1].CompletionIds);
        Assert.IsFalse(shaped.Examples[1].Label);
        Assert.AreEqual(new LabelBalance(1, 1), shaped.Report.Labels);
    }

    [TestMethod]
    public void MaxLengthKeepsTheStartOfPromptPlusCompletion()
    {
        // "ab" + "xyz</s>" is 6 tokens; max_length 4 keeps [97, 98 | 120, 121].
        var shaped = Shape(new DataOptions { MaxLength = 4 }, new TextExample("ab", "xyz", true, At));

        CollectionAssert.AreEqual(new[] { 97, 98 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 120, 121 }, shaped.Examples[0].CompletionIds);
        Assert.AreEqual(1, shaped.Report.CompletionsTruncated);
        Assert.AreEqual(0, shaped.Report.DroppedPromptTooLong);
    }

    [TestMethod]
    public void RowsWhosePromptReachesMaxLengthAreDroppedAndCounted()
    {
        var shaped = Shape(new DataOptions { MaxLength = 4 },
            new TextExample("abcd", "x", true, At),
            new TextExample("abc", "x", false, At));

        Assert.AreEqual(1, shaped.Examples.Count);
        CollectionAssert.AreEqual(new[] { 97, 98, 99 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 120 }, shaped.Examples[0].CompletionIds);
        Assert.AreEqual(1, shaped.Report.DroppedPromptTooLong);
        Assert.IsTrue(shaped.Report.Warnings.Any(w => w.Contains("1 example(s) dropped", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void MaxPromptLengthKeepsTheEndOfLongPromptsWhenTheRowIsTooLong()
    {
        // 4 + 2 = 6 > 5: the prompt keeps its last 2 tokens [99, 100], then 2 + 2 fits.
        var shaped = Shape(new DataOptions { MaxLength = 5, MaxPromptLength = 2 }, new TextExample("abcd", "x", true, At));

        CollectionAssert.AreEqual(new[] { 99, 100 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 120, 1000 }, shaped.Examples[0].CompletionIds);
        Assert.AreEqual(1, shaped.Report.PromptsTruncated);
        Assert.AreEqual(0, shaped.Report.CompletionsTruncated);
    }

    [TestMethod]
    public void MaxPromptLengthLeavesRowsThatFitAlone()
    {
        var shaped = Shape(new DataOptions { MaxLength = 8, MaxPromptLength = 2 }, new TextExample("abcd", "x", true, At));

        CollectionAssert.AreEqual(new[] { 97, 98, 99, 100 }, shaped.Examples[0].PromptIds);
        Assert.AreEqual(0, shaped.Report.PromptsTruncated);
    }

    [TestMethod]
    public void BoundaryMergeIsCountedAndCompletionIsTheTailOfTheFullTokens()
    {
        // tok("xa") = [120, 97]; tok("xab</s>") = [120, 900, 1000] with the merge "ab" → 900: not a prefix.
        var tokenizer = new CharTokenizer(merges: new() { ["ab"] = 900 });
        var shaped = KtoDataShaper.Shape(Dataset(new TextExample("xa", "b", true, At)), tokenizer, new DataOptions());

        CollectionAssert.AreEqual(new[] { 120, 97 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 1000 }, shaped.Examples[0].CompletionIds);
        Assert.AreEqual(1, shaped.Report.TokenizationMismatches);
        Assert.IsTrue(shaped.Report.Warnings.Any(w => w.StartsWith("t.jsonl, line 1: the prompt's tokens are not a prefix", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void ConversationsAreRenderedWithTheNamedTemplate()
    {
        var tokenizer = new CharTokenizer(eos: "<|im_end|>", others: ["<|im_start|>"]);
        var example = new ConversationExample([new ChatMessage("user", "hi")], [new ChatMessage("assistant", "yo")], true, At);

        var shaped = KtoDataShaper.Shape(Dataset(example), tokenizer, new DataOptions { ChatTemplate = "chatml" });

        // "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n": im_start = 1001, im_end = 1000.
        int[] user = [117, 115, 101, 114], assistant = [97, 115, 115, 105, 115, 116, 97, 110, 116];
        CollectionAssert.AreEqual((int[])[1001, .. user, 10, 104, 105, 1000, 10, 1001, .. assistant, 10], shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 121, 111, 1000, 10 }, shaped.Examples[0].CompletionIds);
    }

    [TestMethod]
    public void ConversationsWithoutATemplateSayHowToChooseOne()
    {
        var example = new ConversationExample([new ChatMessage("user", "hi")], [new ChatMessage("assistant", "yo")], true, At);

        var e = Assert.ThrowsExactly<UserError>(() => Shape(new DataOptions(), example));

        StringAssert.Contains(e.Message, "set chat_template");
    }

    [TestMethod]
    public void TemplateRefusalNamesTheRowAndCanBeSkipped()
    {
        var example = new ConversationExample([new ChatMessage("system", "s"), new ChatMessage("user", "u")], [new ChatMessage("assistant", "a")], true, At);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Shape(new DataOptions { ChatTemplate = "mistral" }, example));
        StringAssert.Contains(e.Message, "t.jsonl, line 1, column 'prompt'");

        var shaped = Shape(new DataOptions { ChatTemplate = "mistral", SkipInvalid = true }, example);
        Assert.AreEqual(0, shaped.Examples.Count);
        Assert.AreEqual(1, shaped.Report.InvalidRowsSkipped);
    }

    [TestMethod]
    public void PreTokenizedIdsAreKeptButMustFitTheVocabulary()
    {
        var shaped = Shape(new DataOptions(), new TokenIdsExample([5, 6], [7, 1000], false, At));
        CollectionAssert.AreEqual(new[] { 5, 6 }, shaped.Examples[0].PromptIds);
        CollectionAssert.AreEqual(new[] { 7, 1000 }, shaped.Examples[0].CompletionIds);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Shape(new DataOptions(), new TokenIdsExample([5], [1001], true, At)));
        StringAssert.Contains(e.Message, "t.jsonl, line 1, column 'completion_ids': token id 1001");
    }

    [TestMethod]
    public void ReportCarriesLoadCountsAndTheWeightAdvice()
    {
        var dataset = new KtoDataset([new TextExample("a", "b", true, At), new TextExample("c", "d", true, At)], ["t.jsonl"], RowsRead: 3, PairsUnpaired: 0, InvalidRowsSkipped: 2, Warnings: ["skipped x"]);

        var report = KtoDataShaper.Shape(dataset, new CharTokenizer(), new DataOptions(), adviseFor: new LabelWeights(1, 1)).Report;

        Assert.AreEqual(3, report.RowsRead);
        Assert.AreEqual(2, report.InvalidRowsSkipped);
        Assert.AreEqual("skipped x", report.Warnings[0]);
        StringAssert.Contains(report.Warnings[^1], "desirable_weight in [0.5, 0.67] or undesirable_weight in [1.5, 2.0]");
    }

    [TestMethod]
    public void InconsistentLimitsAreRefused()
    {
        var e = Assert.ThrowsExactly<UserError>(() => Shape(new DataOptions { MaxLength = 4, MaxPromptLength = 4 }, new TextExample("a", "b", true, At)));
        StringAssert.Contains(e.Message, "max_prompt_length (4) must be smaller than max_length (4)");
    }

    /// <summary>A pair that lost a half (here its rejected example, skipped as invalid) goes whole; the others stay pairs, renumbered.</summary>
    [TestMethod]
    public void PairsStayWholeOrGo()
    {
        KtoExample Ids(int prompt, int completion, bool label) => new TokenIdsExample([prompt], [completion], label, At);
        // Pair 1's rejected completion is out of the vocabulary; pair 2 is listed rejected-first in the file's examples.
        var dataset = new KtoDataset([Ids(97, 98, true), Ids(97, 99, false), Ids(98, 99, true), Ids(98, 1001, false), Ids(99, 100, false), Ids(99, 98, true)],
            ["t.jsonl"], RowsRead: 3, PairsUnpaired: 3, InvalidRowsSkipped: 0, Warnings: [],
            Pairs: [new PreferencePair(0, 1), new PreferencePair(2, 3), new PreferencePair(5, 4)]);

        var shaped = KtoDataShaper.Shape(dataset, new CharTokenizer(), new DataOptions { SkipInvalid = true });

        CollectionAssert.AreEqual(new[] { new PreferencePair(0, 1), new PreferencePair(2, 3) }, shaped.Pairs!.ToArray());
        CollectionAssert.AreEqual(new[] { 98, 99, 98, 100 }, shaped.Examples.Select(e => e.CompletionIds[0]).ToArray(), "chosen, rejected of pairs 0 and 2");
        Assert.AreEqual(new LabelBalance(2, 2), shaped.Report.Labels);
        Assert.IsTrue(shaped.Report.Warnings.Any(w => w.Contains("1 example(s) dropped: the other half of their preference pair")), string.Join("\n", shaped.Report.Warnings));
        Assert.IsNull(Shape(new DataOptions(), Ids(97, 98, true)).Pairs, "unpaired data has no pairs");
    }
}
