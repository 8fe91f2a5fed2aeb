using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class DataInspectorTests
{
    private static readonly RowLocation At = new("t.jsonl", 1, true);

    // Prompt "a"·i and completion "x": lengths i + 2 (EOS included) for i = 1..10 → 3..12.
    private static KtoDataset TenRows() => new(
        [.. Enumerable.Range(1, 10).Select(i => (KtoExample)new TextExample(new string('a', i), "x", i <= 3, At))],
        ["t.jsonl"], 10, 0, 0, []);

    [TestMethod]
    public void WithoutATokenizerOnlyLabelsAreInspected()
    {
        var inspection = DataInspector.Inspect(TenRows(), null, new DataOptions(), new LabelWeights(1, 1));

        Assert.AreEqual(new LabelBalance(3, 7), inspection.Labels);
        StringAssert.Contains(inspection.WeightAdvice, "desirable_weight in [2.33, 3.1]");
        Assert.IsNull(inspection.Lengths);
    }

    [TestMethod]
    public void LengthPercentilesAndWhatMaxLengthWouldDo()
    {
        // Sorted lengths 3..12; nearest rank: p50 → 5th = 7, p90 → 9th = 11, p99 → 10th = 12.
        // max_length 8: prompts of 8..10 tokens are dropped (3 rows); prompt 7 (length 9) is cut (1 row).
        var inspection = DataInspector.Inspect(TenRows(), new CharTokenizer(), new DataOptions { MaxLength = 8 }, new LabelWeights(1, 1));

        Assert.AreEqual(new TokenLengthStats(P50: 7, P90: 11, P99: 12, Max: 12, WouldDrop: 3, WouldCut: 1), inspection.Lengths);
        Assert.AreEqual(0, inspection.Shaping!.DroppedPromptTooLong);
    }
}
