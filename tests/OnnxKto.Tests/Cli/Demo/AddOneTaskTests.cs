using OnnxKto.Cli.Demo;
using OnnxKto.Data.Labelling;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>The demo's prompts: three disjoint sets covering all 10^Digits prompts, and the verifier.</summary>
[TestClass]
public sealed class AddOneTaskTests
{
    [TestMethod]
    public void SplitIsDisjointAndCoversEveryPrompt()
    {
        var split = AddOneTask.Split(heldOut: 200, validation: 150, seed: 1234);
        Assert.AreEqual(200, split.HeldOut.Count);
        Assert.AreEqual(150, split.Validation.Count);
        var all = split.Train.Concat(split.Validation).Concat(split.HeldOut).Select(AddOneTask.Prompt).ToList();
        Assert.AreEqual(1000, all.Count);
        Assert.AreEqual(1000, all.Distinct().Count());
    }

    [TestMethod]
    public void SplitDependsOnTheSeedOnly()
    {
        var a = AddOneTask.Split(200, 150, 1234);
        var b = AddOneTask.Split(200, 150, 1234);
        var c = AddOneTask.Split(200, 150, 99);
        CollectionAssert.AreEqual(a.HeldOut.Select(AddOneTask.Prompt).ToArray(), b.HeldOut.Select(AddOneTask.Prompt).ToArray());
        CollectionAssert.AreNotEqual(a.HeldOut.Select(AddOneTask.Prompt).ToArray(), c.HeldOut.Select(AddOneTask.Prompt).ToArray());
    }

    [TestMethod]
    [DataRow("3 9 1 +1 =", " 4 0 2", true)]
    [DataRow("3 9 1 +1 =", " 4 0 2<|endoftext|>", true)]
    [DataRow("3 9 1 +1 =", " 3 9 1", false)]
    [DataRow("3 9 1 +1 =", " 4 0 2 3", false)]
    public void VerifierChecksEachDigitPlusOneModuloTen(string prompt, string completion, bool correct) =>
        Assert.AreEqual(correct, AddOneTask.IsCorrect(prompt, completion, "<|endoftext|>"));

    [TestMethod]
    [DataRow(" 4 0 2")]
    [DataRow("4 0 2")]
    [DataRow(" 4 0 2 ")]
    [DataRow(" 3 9 1")]
    [DataRow(" 4 0 2 3")]
    [DataRow(" 40 2")]
    [DataRow("")]
    public void TheTaskCheckerAgreesWithExactMatchOnTheAnswerColumn(string completion)
    {
        using var dir = new TempFolder();
        AddOneTask.WritePrompts(dir.File("prompts.jsonl"), [[3, 9, 1]]);
        var row = SampleRow.Load(dir.File("prompts.jsonl")).Single();
        row.Columns["completion"] = completion;

        bool exact = new ExactMatchVerifier(AddOneTask.AnswerColumn).Label([row])[0];

        Assert.AreEqual(AddOneTask.IsCorrect(row.Columns["prompt"]!.GetValue<string>(), completion, "<|endoftext|>"), exact);
        Assert.AreEqual(completion.Trim() == "4 0 2", exact, "the hand-worked verdict");
    }
}
