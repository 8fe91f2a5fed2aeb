using OnnxKto.Data.Readers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.Readers;

[TestClass]
public sealed class DataFilesTests
{
    private static TempFolder Shards()
    {
        var dir = new TempFolder();
        foreach (var name in new[] { "data/b/train-00001.jsonl", "data/a/train-00000.jsonl", "data/a/deep/train-00002.json",
                     "data/train-top.jsonl", "data/a/test-00000.jsonl", "data/a/train-notes.txt", "other/train-x.jsonl" })
            dir.WriteText(name, "{}\n");
        return dir;
    }

    private static string[] Relative(TempFolder dir, IEnumerable<string> files) =>
        files.Select(f => Path.GetRelativePath(dir.Path, f).Replace('\\', '/')).ToArray();

    [TestMethod]
    public void DoubleStarMatchesAcrossFoldersInPathOrder()
    {
        using var dir = Shards();
        var files = DataFiles.Expand(Path.Combine(dir.Path, "data", "**", "train-*"));
        CollectionAssert.AreEqual(new[] { "data/a/deep/train-00002.json", "data/a/train-00000.jsonl", "data/b/train-00001.jsonl", "data/train-top.jsonl" },
            Relative(dir, files));
    }

    [TestMethod]
    public void StarMatchesWithinOneNameOnly()
    {
        using var dir = Shards();
        CollectionAssert.AreEqual(new[] { "data/train-top.jsonl" }, Relative(dir, DataFiles.Expand(Path.Combine(dir.Path, "data", "train-*.jsonl"))));
        CollectionAssert.AreEqual(new[] { "data/a/train-00000.jsonl", "data/b/train-00001.jsonl" },
            Relative(dir, DataFiles.Expand(Path.Combine(dir.Path, "data", "*", "train-*.jsonl"))));
    }

    [TestMethod]
    public void AFolderGivesItsOwnDataFilesNotItsSubfolders()
    {
        using var dir = Shards();
        CollectionAssert.AreEqual(new[] { "data/a/test-00000.jsonl", "data/a/train-00000.jsonl" }, Relative(dir, DataFiles.Expand(dir.File("data/a"))));
    }

    [TestMethod]
    [DoNotParallelize] // it changes the process's working directory
    public void AGlobWithoutAFolderSearchesTheWorkingDirectory()
    {
        using var dir = Shards();
        var before = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.File("data/a");
        try
        {
            CollectionAssert.AreEqual(new[] { "test-00000.jsonl", "train-00000.jsonl" }, DataFiles.Expand("*.jsonl").ToArray());
        }
        finally { Environment.CurrentDirectory = before; }
    }

    [TestMethod]
    public void NoMatchNamesThePattern()
    {
        using var dir = Shards();
        var pattern = Path.Combine(dir.Path, "data", "**", "valid-*.parquet");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => DataFiles.Expand(pattern));
        StringAssert.Contains(e.Message, pattern);
        StringAssert.Contains(e.Message, "**");
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => DataFiles.Expand(dir.File("nope/*.jsonl")));
        StringAssert.Contains(missing.Message, "does not exist");
    }
}
