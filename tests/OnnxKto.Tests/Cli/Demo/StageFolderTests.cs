using OnnxKto.Cli.Demo;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>A stage is reused only when complete with the same settings; a resumable one keeps only its own partial work.</summary>
[TestClass]
public sealed class StageFolderTests
{
    [TestMethod]
    public void CompleteOnlyWithTheSameSettings()
    {
        using var dir = new TempFolder();
        var stage = new StageFolder(dir.Path, "1-data", new { seed = 1 });
        stage.Reset();
        Assert.IsFalse(stage.IsComplete);

        stage.MarkComplete(new { rows = 3 });

        Assert.IsTrue(new StageFolder(dir.Path, "1-data", new { seed = 1 }).IsComplete);
        Assert.IsFalse(new StageFolder(dir.Path, "1-data", new { seed = 2 }).IsComplete);
    }

    [TestMethod]
    public void ResumeKeepsPartialWorkOfTheSameSettingsAndClearsOthers()
    {
        using var dir = new TempFolder();
        var first = new StageFolder(dir.Path, "3-online", new { upstream = "a" });
        first.ResumeOrReset();
        File.WriteAllText(first.File("round-0.json"), "partial");

        new StageFolder(dir.Path, "3-online", new { upstream = "a" }).ResumeOrReset();
        Assert.IsTrue(File.Exists(first.File("round-0.json")), "the same settings resume");

        new StageFolder(dir.Path, "3-online", new { upstream = "b" }).ResumeOrReset();
        Assert.IsFalse(File.Exists(first.File("round-0.json")), "other settings start over");
    }
}
