using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;
using Parquet.Schema;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class PromptDatasetTests
{
    [TestMethod]
    public void PromptsOnlyParquetKeepsEveryRowInOrderWithEveryColumn()
    {
        using var dir = new TempFolder();
        var file = dir.File("prompts.parquet");
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("answer"), new DataField<int>("id"));
        var rows = Enumerable.Range(1, 5).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["prompt"] = i == 3 ? "same" : $"p{i}", ["answer"] = $"a{i}", ["id"] = i,
        }).ToList();
        rows[3]["prompt"] = "same";   // duplicated prompts stay two rows
        ParquetTestFiles.Write(file, schema, rows, rowGroupSize: 2);

        var loaded = PromptDataset.Load(file);

        CollectionAssert.AreEqual(new[] { "p1", "p2", "same", "same", "p5" }, loaded.Select(r => r.Text).ToArray());
        CollectionAssert.AreEqual(new[] { "a1", "a2", "a3", "a4", "a5" }, loaded.Select(r => r.Columns["answer"]!.GetValue<string>()).ToArray());
        Assert.AreEqual(4L, loaded[3].Columns["id"]!.GetValue<long>());
        Assert.AreEqual(new RowLocation(file, 5, false), loaded[4].Location);
    }

    [TestMethod]
    public void JsonlPromptsAreTextOrMessages()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("p.jsonl", "{\"prompt\": \"2+2=\", \"answer\": \"4\"}\n\n" +
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"meta\": {\"k\": [1, 2]}}\n");

        var loaded = PromptDataset.Load(file);

        Assert.AreEqual("2+2=", loaded[0].Text);
        Assert.IsNull(loaded[0].Messages);
        Assert.IsNull(loaded[1].Text);
        CollectionAssert.AreEqual(new[] { new ChatMessage("user", "Hi") }, loaded[1].Messages!.ToArray());
        Assert.AreEqual("{\"k\":[1,2]}", loaded[1].Columns["meta"]!.ToJsonString());
        Assert.AreEqual(3, loaded[1].Location.Row, "the blank line counts");
    }

    [TestMethod]
    [DataRow("{\"question\": \"q\"}", "column 'prompt': missing. Columns found: question")]
    [DataRow("{\"prompt\": 3}", "column 'prompt': expected a string or a list")]
    [DataRow("{\"prompt\": null}", "column 'prompt': expected a string or a list of {role, content} messages, found null")]
    [DataRow("not json", "line 1: not valid JSON")]
    public void ABadRowIsAnErrorNamingFileLineAndColumn(string line, string expected)
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("bad.jsonl", line + "\n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => PromptDataset.Load(file));
        StringAssert.Contains(e.Message, "bad.jsonl");
        StringAssert.Contains(e.Message, expected);
    }
}
