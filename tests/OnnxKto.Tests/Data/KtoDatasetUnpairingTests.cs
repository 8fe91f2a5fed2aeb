using Parquet.Schema;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class KtoDatasetUnpairingTests
{
    private static string PairedJsonl(TempFolder dir, int pairs) => dir.WriteText("pairs.jsonl", string.Concat(
        Enumerable.Range(1, pairs).Select(i => $"{{\"prompt\": \"q{i}\", \"chosen\": \"good{i}\", \"rejected\": \"bad{i}\", \"extra\": 1}}\n")));

    [TestMethod]
    public void EachPairBecomesADesirableAndAnUndesirableRow()
    {
        using var dir = new TempFolder();
        var data = KtoDataset.Load(PairedJsonl(dir, 3));

        Assert.AreEqual(3, data.RowsRead);
        Assert.AreEqual(3, data.PairsUnpaired);
        var rows = data.Examples.Cast<TextExample>().Select(e => (e.Prompt, e.Completion, e.Label)).ToHashSet();
        var expected = Enumerable.Range(1, 3).SelectMany(i => new[] { ($"q{i}", $"good{i}", true), ($"q{i}", $"bad{i}", false) }).ToHashSet();
        Assert.IsTrue(expected.SetEquals(rows));
    }

    [TestMethod]
    public void ShuffleIsSeededAndDeterministic()
    {
        using var dir = new TempFolder();
        var file = PairedJsonl(dir, 50);
        string[] Order(int seed) => KtoDataset.Load(file, new DataOptions { Seed = seed }).Examples.Select(e => ((TextExample)e).Completion).ToArray();

        var first = Order(42);
        CollectionAssert.AreEqual(first, Order(42));
        CollectionAssert.AreNotEqual(first, Order(7));
        // Unshuffled unpairing would give good1, bad1, good2, ...: the seeded order must differ from it and must not
        // put the 50 desirable rows first.
        var unshuffled = Enumerable.Range(1, 50).SelectMany(i => new[] { $"good{i}", $"bad{i}" }).ToArray();
        CollectionAssert.AreNotEqual(unshuffled, first);
        Assert.IsTrue(first.Take(50).Any(c => c.StartsWith("bad", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void ConversationalPairsInParquetAreUnpaired()
    {
        using var dir = new TempFolder();
        var file = dir.File("pairs.parquet");
        var schema = new ParquetSchema(ParquetTestFiles.Messages("prompt"), ParquetTestFiles.Messages("chosen"), ParquetTestFiles.Messages("rejected"));
        ParquetTestFiles.Write(file, schema, [new Dictionary<string, object?>
        {
            ["prompt"] = ParquetTestFiles.Turns(("user", "Q")),
            ["chosen"] = ParquetTestFiles.Turns(("assistant", "yes")),
            ["rejected"] = ParquetTestFiles.Turns(("assistant", "no")),
        }], rowGroupSize: 10);

        var data = KtoDataset.Load(file);

        var byLabel = data.Examples.Cast<ConversationExample>().ToDictionary(e => e.Label, e => e.Completion.Single().Content);
        Assert.AreEqual("yes", byLabel[true]);
        Assert.AreEqual("no", byLabel[false]);
        Assert.IsTrue(data.Examples.All(e => e.Origin.Row == 1));
    }

    [TestMethod]
    public void UnpairedDataKeepsItsFileOrder()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("u.jsonl", string.Concat(Enumerable.Range(1, 20).Select(i => $"{{\"prompt\": \"p\", \"completion\": \"c{i}\", \"label\": true}}\n")));

        var completions = KtoDataset.Load(file).Examples.Select(e => ((TextExample)e).Completion).ToArray();

        CollectionAssert.AreEqual(Enumerable.Range(1, 20).Select(i => $"c{i}").ToArray(), completions);
    }
}
