using OnnxKto.Cli.Demo;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>The four training sets are made of the same samples: counted here from the samples directly, not from the writer's counts.</summary>
[TestClass]
public sealed class PreferenceSetsTests
{
    // Prompt a: 2 right, 1 wrong (one pair, a right one left over); b: 1 right, 3 wrong, one of them twice (one pair);
    // c: wrong only (no pair); d: right only, sampled twice alike (no pair).
    private static readonly LabelledSample[] Samples =
    [
        new("a", " 1", true), new("a", " 2", false), new("a", " 1", true),
        new("b", " 5", false), new("b", " 4", true), new("b", " 6", false), new("b", " 6", false),
        new("c", " 9", false),
        new("d", " 0", true), new("d", " 0", true),
    ];

    [TestMethod]
    public void PairsJoinOneRightAndOneWrongSampleOfTheSamePrompt()
    {
        using var dir = new TempFolder();
        var counts = PreferenceSets.Write(dir.Path, Samples, desirableKept: 0.1, seed: 7);

        var pairs = KtoDataset.Load(dir.File(PreferenceSets.Pairs), keepPairs: true).Examples.Cast<TextExample>().ToList();
        // Paired rows read back as chosen then rejected.
        Assert.AreEqual(4, pairs.Count);
        Assert.AreEqual(2, counts.Pairs);
        for (int i = 0; i < pairs.Count; i += 2)
        {
            Assert.AreEqual(pairs[i].Prompt, pairs[i + 1].Prompt);
            Assert.IsTrue(pairs[i].Label && !pairs[i + 1].Label);
            Assert.IsTrue(Samples.Contains(new LabelledSample(pairs[i].Prompt, pairs[i].Completion, true)));
            Assert.IsTrue(Samples.Contains(new LabelledSample(pairs[i + 1].Prompt, pairs[i + 1].Completion, false)));
        }
        CollectionAssert.AreEquivalent(new[] { "a", "b" }, pairs.Where(p => p.Label).Select(p => p.Prompt).ToArray());
    }

    [TestMethod]
    public void KtoSetsHoldEverySampleAndTheDesirableOnesOnly()
    {
        using var dir = new TempFolder();
        var counts = PreferenceSets.Write(dir.Path, Samples, desirableKept: 0.1, seed: 7);

        var all = Rows(dir.File(PreferenceSets.Kto));
        CollectionAssert.AreEqual(Samples, all);
        CollectionAssert.AreEqual(Samples.Where(s => s.Correct).ToArray(), Rows(dir.File(PreferenceSets.Desirable)));
        Assert.AreEqual(new PreferenceCounts(10, 5, 2, 1), counts);
    }

    [TestMethod]
    [DataRow(0.1, 1)] // ceil(0.5)
    [DataRow(0.5, 3)] // ceil(2.5)
    [DataRow(1.0, 5)]
    public void ImbalancedSetKeepsEveryUndesirableSampleAndAShareOfTheDesirableOnes(double kept, int expectedDesirable)
    {
        using var dir = new TempFolder();
        var counts = PreferenceSets.Write(dir.Path, Samples, kept, seed: 7);

        var rows = Rows(dir.File(PreferenceSets.Imbalanced));
        CollectionAssert.AreEqual(Samples.Where(s => !s.Correct).ToArray(), rows.Where(r => !r.Correct).ToArray());
        Assert.AreEqual(expectedDesirable, rows.Count(r => r.Correct));
        Assert.AreEqual(expectedDesirable, counts.ImbalancedDesirable);
        // Kept rows stay in sample order, so the multiset of kept desirable rows is a sub-multiset of the desirable samples.
        var left = Samples.Where(s => s.Correct).ToList();
        foreach (var row in rows.Where(r => r.Correct)) Assert.IsTrue(left.Remove(row), $"{row} kept more often than sampled");
    }

    private static LabelledSample[] Rows(string path) =>
        KtoDataset.Load(path).Examples.Cast<TextExample>().Select(e => new LabelledSample(e.Prompt, e.Completion, e.Label)).ToArray();
}
