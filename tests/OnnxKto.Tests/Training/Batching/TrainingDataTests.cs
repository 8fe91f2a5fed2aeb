using OnnxKto.Data;
using OnnxKto.Training.Batching;

namespace OnnxKto.Tests.Training.Batching;

/// <summary>Micro-batch building: rows of examples or of pairs, padding and masks, KL rows, all by hand.</summary>
[TestClass]
public sealed class TrainingDataTests
{
    private static TokenizedExample E(int prompt, bool label, int completionLength = 1) =>
        new([prompt, 9], Enumerable.Repeat(label ? 4 : 5, completionLength).ToArray(), label);

    /// <summary>Pairs are read through their own indices, wherever their examples lie: chosen rows first, then rejected.</summary>
    [TestMethod]
    public void RowsOfPairsPutTheChosenHalfFirst()
    {
        var examples = Enumerable.Range(0, 8).Select(i => E(i / 2, i % 2 == 0)).ToList();
        var pairs = new[] { new PreferencePair(0, 1), new PreferencePair(2, 3), new PreferencePair(4, 5), new PreferencePair(6, 7) };
        CollectionAssert.AreEqual(new[] { 6, 2, 7, 3 }, new TrainingData(examples, pairs).Rows([3, 1]));
        CollectionAssert.AreEqual(new[] { 7, 0, 5, 3 }, new TrainingData(examples, [new(7, 5), new(0, 3)]).Rows([0, 1]));
        Assert.AreEqual(2, new TrainingData(examples, [new(7, 5), new(0, 3)]).Count, "the plan draws pairs");
        CollectionAssert.AreEqual(new[] { 3, 1 }, new TrainingData(examples).Rows([3, 1]), "unpaired: the examples themselves");
    }

    [TestMethod]
    public void BatchPadsRightMasksThePromptAndRotatesTheKlCompletions()
    {
        // Example 0: prompt [0, 9], completion [4]; example 1: prompt [1, 9], completion [5, 5, 5].
        var data = new TrainingData([E(0, true), E(1, false, completionLength: 3)]);
        var batch = data.Batch([0, 1], withKl: true, padId: 7, maxLength: 4);

        Assert.AreEqual(2, batch.Size);
        Assert.IsFalse(batch.Paired);
        CollectionAssert.AreEqual(new[] { true, false }, batch.Labels);
        Assert.AreEqual(5, batch.Target.Length);
        CollectionAssert.AreEqual(new long[] { 0, 9, 4, 7, 7, 1, 9, 5, 5, 5 }, batch.Target.Ids);
        CollectionAssert.AreEqual(new long[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 }, batch.Target.AttentionMask);
        CollectionAssert.AreEqual(new long[] { 0, 0, 1, 0, 0, 0, 0, 1, 1, 1 }, batch.Target.CompletionMask);
        // KL row i: prompt i with completion i−1 (wrapping), cut to max_length 4: row 0 borrows example 1's [5, 5, 5] → [5, 5].
        CollectionAssert.AreEqual(new[] { 1, 0 }, batch.KlCompletionSources);
        CollectionAssert.AreEqual(new long[] { 0, 9, 5, 5, 1, 9, 4, 7 }, batch.Kl!.Ids);
        CollectionAssert.AreEqual(new long[] { 0, 0, 1, 1, 0, 0, 1, 0 }, batch.Kl.CompletionMask);
        Assert.IsNull(data.Batch([0, 1], withKl: false, padId: 7, maxLength: 4).Kl);
    }

    [TestMethod]
    public void ABatchOfPairsIsMarkedPaired()
    {
        var data = new TrainingData([E(0, false), E(0, true)], [new PreferencePair(1, 0)]);
        var batch = data.Batch([0], withKl: false, padId: 7, maxLength: null);
        Assert.IsTrue(batch.Paired);
        CollectionAssert.AreEqual(new[] { true, false }, batch.Labels, "chosen row first");
        CollectionAssert.AreEqual(new[] { 1, 0 }, batch.Examples);
    }
}
