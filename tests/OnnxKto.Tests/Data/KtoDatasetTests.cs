using Parquet.Schema;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class KtoDatasetTests
{
    [TestMethod]
    public void JsonlStandardRowsIgnoreExtraColumnsAndAcceptZeroOneLabels()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("train.jsonl",
            """
            {"prompt": "2+2=", "completion": "4", "label": true, "source": "math", "score": 0.9}

            {"prompt": "2+2=", "completion": "5", "label": 0}
            {"prompt": "", "completion": "hi", "label": 1}
            """);

        var data = KtoDataset.Load(file);

        CollectionAssert.AreEqual(new KtoExample[]
        {
            new TextExample("2+2=", "4", true, new RowLocation(file, 1, true)),
            new TextExample("2+2=", "5", false, new RowLocation(file, 3, true)),
            new TextExample("", "hi", true, new RowLocation(file, 4, true)),
        }, data.Examples.ToArray());
        Assert.AreEqual(3, data.RowsRead);
        Assert.AreEqual(0, data.PairsUnpaired);
    }

    [TestMethod]
    public void JsonArrayOfConversationalRows()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("train.json",
            """
            [ {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
               "completion": [{"role": "assistant", "content": "Hello"}], "label": false} ]
            """);

        var example = (ConversationExample)KtoDataset.Load(file).Examples.Single();

        CollectionAssert.AreEqual(new[] { new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi") }, example.Prompt.ToArray());
        CollectionAssert.AreEqual(new[] { new ChatMessage("assistant", "Hello") }, example.Completion.ToArray());
        Assert.IsFalse(example.Label);
        Assert.AreEqual(new RowLocation(file, 1, false), example.Origin);
    }

    [TestMethod]
    public void JsonFileWrittenAsJsonLinesIsReadLineByLine()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("train.json", "{\"prompt\": \"a\", \"completion\": \"b\", \"label\": true}\n{\"prompt\": \"c\", \"completion\": \"d\", \"label\": false}\n");

        var data = KtoDataset.Load(file);

        Assert.AreEqual(new RowLocation(file, 2, true), data.Examples[1].Origin);
        Assert.AreEqual("d", ((TextExample)data.Examples[1]).Completion);
    }

    [TestMethod]
    public void ParquetStringColumnsAcrossSeveralRowGroupsKeepRowNumbers()
    {
        using var dir = new TempFolder();
        var file = dir.File("train.parquet");
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("completion"),
            new DataField<bool>("label"), new DataField<string>("model"), new DataField<double>("average_rating"));
        var rows = Enumerable.Range(1, 5).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["prompt"] = $"p{i}", ["completion"] = $"c{i}", ["label"] = i % 2 == 1, ["model"] = "m", ["average_rating"] = 4.5,
        }).ToList();
        ParquetTestFiles.Write(file, schema, rows, rowGroupSize: 2);
        Assert.AreEqual(3, ParquetTestFiles.RowGroupCount(file));

        var data = KtoDataset.Load(file);

        Assert.AreEqual(5, data.Examples.Count);
        Assert.AreEqual(new TextExample("p5", "c5", true, new RowLocation(file, 5, false)), data.Examples[4]);
        Assert.AreEqual(new TextExample("p4", "c4", false, new RowLocation(file, 4, false)), data.Examples[3]);
    }

    [TestMethod]
    public void ParquetMessageListsInTheKtoMixLayout()
    {
        using var dir = new TempFolder();
        var file = dir.File("train_kto-00000-of-00001.parquet");
        var schema = new ParquetSchema(ParquetTestFiles.Messages("prompt"), ParquetTestFiles.Messages("completion"), new DataField<bool>("label"));
        var rows = new List<IDictionary<string, object?>>
        {
            new Dictionary<string, object?> { ["prompt"] = ParquetTestFiles.Turns(("user", "Hi")), ["completion"] = ParquetTestFiles.Turns(("assistant", "Hey")), ["label"] = true },
            new Dictionary<string, object?> { ["prompt"] = ParquetTestFiles.Turns(("system", "S"), ("user", "Q")), ["completion"] = ParquetTestFiles.Turns(("assistant", "A")), ["label"] = false },
            new Dictionary<string, object?> { ["prompt"] = ParquetTestFiles.Turns(("user", "Q2")), ["completion"] = ParquetTestFiles.Turns(("assistant", "A2")), ["label"] = true },
        };
        ParquetTestFiles.Write(file, schema, rows, rowGroupSize: 2);

        var data = KtoDataset.Load(file);

        var second = (ConversationExample)data.Examples[1];
        CollectionAssert.AreEqual(new[] { new ChatMessage("system", "S"), new ChatMessage("user", "Q") }, second.Prompt.ToArray());
        Assert.AreEqual(new ChatMessage("assistant", "A"), second.Completion.Single());
        Assert.IsFalse(second.Label);
        Assert.AreEqual(new ChatMessage("assistant", "A2"), ((ConversationExample)data.Examples[2]).Completion.Single());
        Assert.AreEqual(3, data.Examples[2].Origin.Row);
    }

    [TestMethod]
    public void PreTokenizedRowsFromParquetAndJsonl()
    {
        using var dir = new TempFolder();
        var parquet = dir.File("ids.parquet");
        var schema = new ParquetSchema(new ListField("prompt_ids", new DataField<int>("element")),
            new ListField("completion_ids", new DataField<int>("element")), new DataField<bool>("label"));
        ParquetTestFiles.Write(parquet, schema, [new Dictionary<string, object?>
        {
            ["prompt_ids"] = new List<int> { 5, 6 }, ["completion_ids"] = new List<int> { 7, 1000 }, ["label"] = true,
        }], rowGroupSize: 10);
        var jsonl = dir.WriteText("ids.jsonl", "{\"prompt_ids\": [], \"completion_ids\": [9], \"label\": 0}\n");

        var fromParquet = (TokenIdsExample)KtoDataset.Load(parquet).Examples.Single();
        var fromJsonl = (TokenIdsExample)KtoDataset.Load(jsonl).Examples.Single();

        CollectionAssert.AreEqual(new[] { 5, 6 }, fromParquet.PromptIds);
        CollectionAssert.AreEqual(new[] { 7, 1000 }, fromParquet.CompletionIds);
        Assert.IsTrue(fromParquet.Label);
        Assert.AreEqual(0, fromJsonl.PromptIds.Length);
        CollectionAssert.AreEqual(new[] { 9 }, fromJsonl.CompletionIds);
        Assert.IsFalse(fromJsonl.Label);
    }

    [TestMethod]
    public void FolderAndGlobReadShardsInNameOrder()
    {
        using var dir = new TempFolder();
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("completion"), new DataField<bool>("label"));
        foreach (var shard in new[] { "00001", "00000" })
        {
            ParquetTestFiles.Write(dir.File($"data/train-{shard}-of-00002.parquet"), schema,
                [new Dictionary<string, object?> { ["prompt"] = shard, ["completion"] = "c", ["label"] = true }], rowGroupSize: 10);
        }
        ParquetTestFiles.Write(dir.File("data/test-00000-of-00001.parquet"), schema,
            [new Dictionary<string, object?> { ["prompt"] = "test", ["completion"] = "c", ["label"] = true }], rowGroupSize: 10);

        var glob = KtoDataset.Load(Path.Combine(dir.Path, "data", "train-*.parquet"));
        var folder = KtoDataset.Load(Path.Combine(dir.Path, "data"));

        CollectionAssert.AreEqual(new[] { "00000", "00001" }, glob.Examples.Select(e => ((TextExample)e).Prompt).ToArray());
        Assert.AreEqual(2, glob.Files.Count);
        CollectionAssert.AreEqual(new[] { "test", "00000", "00001" }, folder.Examples.Select(e => ((TextExample)e).Prompt).ToArray());
    }

    [TestMethod]
    public void MissingPathSaysWhatIsAccepted()
    {
        using var dir = new TempFolder();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => KtoDataset.Load(dir.File("nope-*.parquet")));
        StringAssert.Contains(e.Message, "nope-*.parquet");
    }
}
