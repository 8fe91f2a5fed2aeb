using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.Labelling;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.Labelling;

[TestClass]
public sealed class SampleLabellerTests
{
    private const string Samples =
        "{\"prompt\": \"1 +1 =\", \"completion\": \" 2\", \"answer\": \"2\", \"label\": false}\n" +
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"1 +1 =\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"3\"}], \"answer\": 2}\n" +
        "{\"prompt\": \"8 +1 =\", \"completion\": \"9 \", \"answer\": \"9\"}\n";

    [TestMethod]
    public void ExactMatchWritesAKtoDatasetWithEveryColumnKept()
    {
        using var dir = new TempFolder();
        var samples = dir.WriteText("s.jsonl", Samples);

        var balance = SampleLabeller.Label(samples, dir.File("out/kto.jsonl"), new ExactMatchVerifier("answer"));

        Assert.AreEqual(new LabelBalance(2, 1), balance);
        var lines = File.ReadAllLines(dir.File("out/kto.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        CollectionAssert.AreEqual(new[] { true, false, true }, lines.Select(l => (bool)l["label"]!).ToArray(), "the old label is replaced");
        Assert.AreEqual("2", (string)lines[0]["answer"]!);
        var dataset = KtoDataset.Load(dir.File("out/kto.jsonl"));
        CollectionAssert.AreEqual(new[] { true, false, true }, dataset.Examples.Select(e => e.Label).ToArray());
        Assert.IsInstanceOfType<ConversationExample>(dataset.Examples[1]);
        Assert.AreEqual(1, Directory.GetFiles(dir.File("out")).Length, "no temporary file left");
    }

    [TestMethod]
    public void RegexMatchesTheCompletion()
    {
        using var dir = new TempFolder();
        var labels = new RegexVerifier(@"^\s*[29]\s*$").Label(SampleRow.Load(dir.WriteText("s.jsonl", Samples)));
        CollectionAssert.AreEqual(new[] { true, false, true }, labels.ToArray());
        Assert.ThrowsExactly<UserError>(() => new RegexVerifier("(unclosed"));
    }

    [TestMethod]
    public void AMissingReferenceColumnNamesTheRow()
    {
        using var dir = new TempFolder();
        var samples = dir.WriteText("s.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\", \"answer\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SampleLabeller.Label(samples, dir.File("kto.jsonl"), new ExactMatchVerifier("answer")));
        StringAssert.Contains(e.Message, "s.jsonl, line 2, column 'answer': missing");
    }

    [TestMethod]
    public void AFailingVerifierLeavesTheOutputAsItWas()
    {
        using var dir = new TempFolder();
        var samples = dir.WriteText("s.jsonl", Samples);
        var output = dir.WriteText("kto.jsonl", "old\n");

        Assert.ThrowsExactly<UserError>(() => SampleLabeller.Label(samples, output, new VerifierProcess("echo '{\"label\": true}'; exit 1")));

        Assert.AreEqual("old\n", File.ReadAllText(output));
        Assert.AreEqual(2, Directory.GetFiles(dir.Path).Length, "samples and the old output only");
    }
}
