using Parquet.Schema;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.Readers;

/// <summary>Every bad row names the file, the row (1-based line for JSONL) and the column, and skip_invalid counts it.</summary>
[TestClass]
public sealed class BadInputTests
{
    private const string Good = "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}";

    [TestMethod]
    [DataRow("{\"prompt\": \"p\", \"label\": true}", "column 'completion'", "missing")]
    [DataRow("{\"prompt\": null, \"completion\": \"c\", \"label\": true}", "column 'prompt'", "is null")]
    [DataRow("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"yes\"}", "column 'label'", "\"yes\"")]
    [DataRow("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": 2}", "column 'label'", "boolean")]
    [DataRow("{\"prompt\": \"p\", \"completion\": \"\", \"label\": true}", "column 'completion'", "is empty")]
    [DataRow("{\"prompt\": \"p\", \"completion\": [], \"label\": true}", "column 'completion'", "both must be strings")]
    [DataRow("{\"prompt\": [{\"role\": \"user\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"label\": true}", "column 'prompt'", "'content'")]
    [DataRow("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true", "line 3:", "not valid JSON")]
    [DataRow("[1, 2]", "line 3:", "expected a JSON object")]
    public void JsonlBadRowNamesFileLineAndColumn(string badLine, string where, string what)
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("bad.jsonl", $"{Good}\n{Good}\n{badLine}\n{Good}\n");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));

        StringAssert.Contains(e.Message, $"{file}, line 3");
        StringAssert.Contains(e.Message, where);
        StringAssert.Contains(e.Message, what);
        StringAssert.Contains(e.Message, "skip_invalid");
    }

    [TestMethod]
    public void SkipInvalidSkipsAndCountsBadRows()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("bad.jsonl", $"{Good}\n{{broken\n{Good}\n{{\"prompt\": \"p\", \"completion\": \"c\", \"label\": null}}\n");

        var data = KtoDataset.Load(file, new DataOptions { SkipInvalid = true });

        Assert.AreEqual(2, data.Examples.Count);
        Assert.AreEqual(4, data.RowsRead);
        Assert.AreEqual(2, data.InvalidRowsSkipped);
        Assert.AreEqual(2, data.Warnings.Count);
        StringAssert.Contains(data.Warnings[1], "line 4, column 'label'");
        Assert.IsFalse(data.Warnings.Any(w => w.Contains("skip_invalid")), "a skipped row's warning does not advise setting skip_invalid");
    }

    [TestMethod]
    public void PairedRowWithMissingRejectedNamesTheColumn()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("pairs.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n{\"prompt\": \"p\", \"chosen\": \"a\"}\n");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));

        StringAssert.Contains(e.Message, $"{file}, line 2, column 'rejected': missing");
    }

    [TestMethod]
    public void JsonArrayBadRowNamesTheRow()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("bad.json", $"[{Good}, {{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"no\"}}]");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));

        StringAssert.Contains(e.Message, $"{file}, row 2, column 'label'");
    }

    [TestMethod]
    public void JsonFileThatIsNotJsonNamesTheLine()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("bad.json", "[\n  {\"prompt\": \"p\",\n  oops\n]");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));

        StringAssert.Contains(e.Message, $"{file}, line 3");
    }

    [TestMethod]
    public void ParquetNullAndNonBooleanLabelNameTheRowAndColumn()
    {
        using var dir = new TempFolder();
        var file = dir.File("bad.parquet");
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("completion"), new DataField<int?>("label"));
        var rows = new List<IDictionary<string, object?>>
        {
            new Dictionary<string, object?> { ["prompt"] = "p", ["completion"] = "c", ["label"] = 1 },
            new Dictionary<string, object?> { ["prompt"] = "p", ["completion"] = null, ["label"] = 0 },
            new Dictionary<string, object?> { ["prompt"] = "p", ["completion"] = "c", ["label"] = 3 },
        };
        ParquetTestFiles.Write(file, schema, rows, rowGroupSize: 2);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));
        StringAssert.Contains(e.Message, $"{file}, row 2, column 'completion': is null");

        var data = KtoDataset.Load(file, new DataOptions { SkipInvalid = true });
        Assert.AreEqual(1, data.Examples.Count);
        Assert.AreEqual(2, data.InvalidRowsSkipped);
        StringAssert.Contains(data.Warnings[1], "row 3, column 'label': expected a boolean (true/false, or 0/1), found 3");
    }

    [TestMethod]
    public void ParquetWithoutALabelColumnSaysWhichColumnsExist()
    {
        using var dir = new TempFolder();
        var file = dir.File("nolabel.parquet");
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("completion"));
        ParquetTestFiles.Write(file, schema, [new Dictionary<string, object?> { ["prompt"] = "p", ["completion"] = "c" }], rowGroupSize: 10);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file));

        StringAssert.Contains(e.Message, $"{file}, row 1, column 'label': missing. Columns found: prompt, completion.");
    }

    [TestMethod]
    public void FileThatIsNotParquetIsNamed()
    {
        using var dir = new TempFolder();
        var file = dir.WriteText("fake.parquet", Good + "\n");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoDataset.Load(file, new DataOptions { SkipInvalid = true }));

        StringAssert.Contains(e.Message, $"{file}: not a Parquet file");
    }
}
