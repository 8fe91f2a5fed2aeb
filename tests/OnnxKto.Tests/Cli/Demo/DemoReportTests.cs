using OnnxKto.Cli.Demo;
using OnnxKto.Cli.Online;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>The report's table has one row per compared model, each with its chosen run, and lists the whole grid and the online rounds.</summary>
[TestClass]
public sealed class DemoReportTests
{
    [TestMethod]
    public void ReportHasFiveRowsWithTheChosenRunsAndTheWholeGrid()
    {
        using var dir = new TempFolder();
        string Run(string name)
        {
            dir.WriteText($"{name}/metrics.jsonl", "{\"loss\":1.5,\"kl\":0.1,\"rewards/chosen\":0.2,\"rewards/rejected\":-0.3,\"step\":1}\n" +
                                                   "{\"loss\":0.5,\"kl\":0.2,\"rewards/chosen\":0.4,\"rewards/rejected\":-0.9,\"step\":2}\n{\"train_runtime\":3}\n");
            return dir.File(name);
        }
        var methods = new[] { ("SFT on desirable", PreferenceSets.Desirable), ("DPO on pairs", PreferenceSets.Pairs), ("KTO", PreferenceSets.Kto), ("KTO, 90% desirable dropped", PreferenceSets.Imbalanced) }
            .Select((m, i) => new DemoMethodResult(m.Item1, m.Item2, [new(2e-4, 0.5 + i / 10.0, 0.11 + i / 10.0, Run($"{i}a")), new(5e-4, 0.55 + i / 10.0, 0.13 + i / 10.0, Run($"{i}b"))]))
            .ToList();
        OnlineRound[] rounds = [new(0, 0, null, 0.42, null), new(1, 10, 0.3, 0.61, 0.0125)];
        var result = new DemoResult(new DemoRun(2e-3, 0.4, 0.42, Run("reference")), methods, rounds, "10 samples", TimeSpan.FromSeconds(90));

        DemoReport.Write(dir.Path, result, new DemoSettings());

        var lines = File.ReadAllLines(dir.File("report.md"));
        var table = lines.SkipWhile(l => !l.StartsWith("| model")).Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.AreEqual(5, table.Count, string.Join("\n", lines));
        StringAssert.Contains(table[0], "**42.0 %**");
        for (int i = 0; i < 4; i++)
        {
            StringAssert.StartsWith(table[i + 1], $"| {methods[i].Label} |");
            StringAssert.Contains(table[i + 1], $"| 0.0005 | {55 + 10 * i:F1} % | **{13 + 10 * i:F1} %** |");
        }
        var grid = lines.SkipWhile(l => !l.StartsWith("| method")).Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.AreEqual(8, grid.Count);
        StringAssert.Contains(string.Join("\n", lines), "This run took 01:30");
        var roundRow = lines.Single(l => l.TrimStart().StartsWith("1 "));
        StringAssert.Contains(roundRow, "30.0 %");
        StringAssert.Contains(roundRow, "61.0 %");
        StringAssert.Contains(roundRow, "0.0125");
        foreach (var png in new[] { "accuracy.png", "rounds.png", "kto_loss.png", "kto_kl.png", "kto_rewards.png", "sft_loss.png" })
            Assert.IsTrue(new FileInfo(dir.File(png)).Length > 1000, png);
    }
}
