using OnnxKto.Data.Labelling;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.Labelling;

[TestClass]
public sealed class VerifierProcessTests
{
    // The add-one task's rows: the completion is right when it equals the answer.
    private const string Samples =
        "{\"prompt\": \"1 +1 =\", \"completion\": \" 2\", \"answer\": \"2\", \"sample\": 0}\n" +
        "{\"prompt\": \"1 +1 =\", \"completion\": \" 3\", \"answer\": \"2\", \"sample\": 1}\n" +
        "{\"prompt\": \"8 +1 =\", \"completion\": \" 9\", \"answer\": \"9\", \"sample\": 0}\n";

    private const string Checker = """
        import json, sys
        for line in sys.stdin:
            row = json.loads(line)
            print(json.dumps({"label": row["completion"].strip() == row["answer"]}), flush=True)
        """;

    [TestMethod]
    public void LabelsComeFromTheVerifiersRepliesInRowOrder()
    {
        using var dir = new TempFolder();
        var script = dir.WriteText("check.py", Checker);

        var labels = new VerifierProcess($"python3 {script}").Label(SampleRow.Load(dir.WriteText("s.jsonl", Samples)));

        CollectionAssert.AreEqual(new[] { true, false, true }, labels.ToArray());
    }

    [TestMethod]
    public void ManyRowsDoNotDeadlockAVerifierThatAnswersAsItReads()
    {
        // 20,000 rows of ~1 KB overflow both pipes' buffers many times over.
        using var dir = new TempFolder();
        var padding = new string('x', 1000);
        var rows = string.Concat(Enumerable.Range(0, 20000).Select(i => $"{{\"completion\": \"{i % 3}\", \"pad\": \"{padding}\"}}\n"));
        var script = dir.WriteText("check.py", "import json, sys\nfor line in sys.stdin:\n    print(json.dumps({\"label\": json.loads(line)[\"completion\"] == \"0\"}))\n");

        var labels = new VerifierProcess($"python3 {script}").Label(SampleRow.Load(dir.WriteText("s.jsonl", rows)));

        Assert.AreEqual(20000, labels.Count);
        Assert.AreEqual(6667, labels.Count(l => l));
        Assert.IsTrue(labels[0] && !labels[1] && labels[19998]);
    }

    [TestMethod]
    [DataRow(0.5, new[] { true, false, true })]
    [DataRow(0.95, new[] { false, false, true })]
    public void ScoresBecomeLabelsAtTheThreshold(double threshold, bool[] expected)
    {
        using var dir = new TempFolder();
        // Scores 0.9, 0.1, 0.95 in turn, printed by a shell loop that ignores the rows' contents.
        var script = dir.WriteText("score.sh", "for s in 0.9 0.1 0.95; do read -r row; echo \"{\\\"score\\\": $s}\"; done\n");

        var labels = new VerifierProcess($"sh {script}", threshold).Label(SampleRow.Load(dir.WriteText("s.jsonl", Samples)));

        CollectionAssert.AreEqual(expected, labels.ToArray());
    }

    [TestMethod]
    [DataRow("{\"label\": true}\nnot json\n{\"label\": true}", "line 2: the verifier's reply 'not json' is not a JSON object")]
    [DataRow("{\"label\": true}\n{\"label\": \"yes\"}\n{\"label\": true}", "line 2: the verifier's reply '{\"label\": \"yes\"}' has no boolean 'label'")]
    [DataRow("{\"label\": true}\n{\"label\": true}\n{\"error\": \"no answer column\"}", "line 3: the verifier rejected the row: 'no answer column'")]
    [DataRow("{\"score\": 0.2}\n{\"label\": true}\n{\"label\": true}", "line 1: the verifier replied with a score")]
    public void ABadReplyIsAnErrorNamingTheRow(string replies, string expected)
    {
        using var dir = new TempFolder();
        var reply = dir.WriteText("replies.txt", replies + "\n");

        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            new VerifierProcess($"cat > /dev/null; cat {reply}").Label(SampleRow.Load(dir.WriteText("s.jsonl", Samples))));

        StringAssert.Contains(e.Message, "s.jsonl, " + expected);
    }

    [TestMethod]
    public void AVerifierThatDiesIsReportedWithItsStandardError()
    {
        using var dir = new TempFolder();
        var script = dir.WriteText("crash.py", "import sys\nsys.stdin.readline()\nprint('{\"label\": true}', flush=True)\nraise SystemExit('checker crashed: no module named grader')\n");

        var e = Assert.ThrowsExactly<UserError>(() =>
            new VerifierProcess($"python3 {script}").Label(SampleRow.Load(dir.WriteText("s.jsonl", Samples))));

        StringAssert.Contains(e.Message, "exited with code 1 after replying to 1 of 3 rows");
        StringAssert.Contains(e.Message, "checker crashed: no module named grader");
    }

    [TestMethod]
    public void TooManyRepliesOrAFailingExitAfterAllRepliesAreErrors()
    {
        using var dir = new TempFolder();
        var rows = SampleRow.Load(dir.WriteText("s.jsonl", Samples));

        var extra = Assert.ThrowsExactly<UserError>(() => new VerifierProcess("cat > /dev/null; for i in 1 2 3 4; do echo '{\"label\": false}'; done").Label(rows));
        StringAssert.Contains(extra.Message, "replied more lines than the 3 rows");
        var failed = Assert.ThrowsExactly<UserError>(() => new VerifierProcess("cat > /dev/null; for i in 1 2 3; do echo '{\"label\": false}'; done; echo oops >&2; exit 3").Label(rows));
        StringAssert.Contains(failed.Message, "code 3");
        StringAssert.Contains(failed.Message, "oops");
    }
}
