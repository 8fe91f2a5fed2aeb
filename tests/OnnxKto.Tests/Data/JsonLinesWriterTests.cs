using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class JsonLinesWriterTests
{
    [TestMethod]
    public void OneObjectPerLineWithTextLeftReadable()
    {
        using var dir = new TempFolder();
        var path = dir.File("out.jsonl");
        using (var lines = JsonLinesWriter.Create(path))
        {
            lines.WriteObject(json => { json.WriteString("prompt", "2+2=<é>"); json.WriteString("completion", "say \"4\"\n"); });
            lines.WriteObject(json => json.WriteBoolean("label", false));
        }
        CollectionAssert.AreEqual(new[] { "{\"prompt\":\"2+2=<é>\",\"completion\":\"say \\\"4\\\"\\n\"}", "{\"label\":false}" }, File.ReadAllLines(path));
        Assert.IsTrue(File.ReadAllText(path).EndsWith("}\n", StringComparison.Ordinal), "every line ends with a newline, the last too");
    }

    [TestMethod]
    public void CreateReplacesAndAppendContinues()
    {
        using var dir = new TempFolder();
        var path = dir.WriteText("m.jsonl", "old\n");
        using (var lines = JsonLinesWriter.Create(path)) lines.WriteObject(json => json.WriteNumber("step", 1));
        using (var lines = JsonLinesWriter.Append(path)) lines.WriteObject(json => json.WriteNumber("step", 2));
        using (var lines = JsonLinesWriter.Append(dir.File("new.jsonl"))) lines.WriteObject(json => json.WriteNumber("step", 3));
        CollectionAssert.AreEqual(new[] { "{\"step\":1}", "{\"step\":2}" }, File.ReadAllLines(path));
        Assert.AreEqual("{\"step\":3}\n", File.ReadAllText(dir.File("new.jsonl")));
    }

    [TestMethod]
    public void NumbersRoundTripAndNonFiniteOnesAreNull()
    {
        using var dir = new TempFolder();
        var path = dir.File("n.jsonl");
        using (var lines = JsonLinesWriter.Create(path))
            lines.WriteObject([new("loss", 0.1), new("rewards/margins", -1e-7), new("kl", double.NaN), new("grad_norm", double.PositiveInfinity)]);
        Assert.AreEqual("{\"loss\":0.1,\"rewards/margins\":-1E-07,\"kl\":null,\"grad_norm\":null}", File.ReadAllText(path).TrimEnd('\n'));
    }
}
