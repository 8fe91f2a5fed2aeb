using OnnxKto.Data;
using OnnxKto.Training.Batching;

namespace OnnxKto.Tests.Training.Batching;

[TestClass]
public sealed class PreferencePairsTests
{
    private static TokenizedExample E(int prompt, bool label) => new([prompt, 9], [label ? 4 : 5], label);

    /// <summary>A pair that lost its chosen (pair 1) or its rejected half (pair 3) is dropped; the others stay, in order.</summary>
    [TestMethod]
    public void AlignKeepsWholePairsOnly()
    {
        var (kept, dropped) = PreferencePairs.Align([E(0, true), E(0, false), E(1, false), E(2, true), E(2, false), E(3, true), E(4, true), E(4, false)]);
        CollectionAssert.AreEqual(new[] { 0, 0, 2, 2, 4, 4 }, kept.Select(e => e.PromptIds[0]).ToArray());
        CollectionAssert.AreEqual(new[] { true, false, true, false, true, false }, kept.Select(e => e.Label).ToArray());
        Assert.AreEqual(2, dropped);
    }

    /// <summary>Consecutive chosen/rejected examples with different prompts are not a pair.</summary>
    [TestMethod]
    public void APairNeedsTheSamePrompt() =>
        Assert.AreEqual(2, PreferencePairs.Align([E(0, true), E(1, false)]).Dropped);

    [TestMethod]
    public void RowsPutTheChosenHalfFirst() =>
        CollectionAssert.AreEqual(new[] { 6, 2, 7, 3 }, PreferencePairs.Rows([3, 1]));
}
