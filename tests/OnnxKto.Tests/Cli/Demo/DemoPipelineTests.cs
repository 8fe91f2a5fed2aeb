using OnnxKto.Cli.Demo;
using OnnxKto.Cli.Online;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Demo;

/// <summary>
/// The demo's wiring end to end on a shrunken setting (60 training prompts, a one-epoch reference, one online
/// round): every stage runs, the online stage is an <c>onnx-kto online</c> run, the baselines learn from its samples,
/// and a rerun reuses every stage.
/// </summary>
[TestClass]
public sealed class DemoPipelineTests
{
    [TestMethod]
    public void ASmallDemoRunsOnlineFromTheReferenceAndItsEvalAgreesWithOnlines()
    {
        using var dir = new TempFolder();
        var demo = new DemoSettings();
        var settings = demo with
        {
            HeldOutPrompts = 30, ValidationPrompts = 20, TrainingPrompts = 60, SamplesPerPrompt = 4, Demonstrations = 2000,
            Rounds = 1, LearningRates = [5e-4],
            Sft = demo.Sft with { Schedule = demo.Sft.Schedule with { NumTrainEpochs = 1 } },
            Kto = demo.Kto with { Schedule = demo.Kto.Schedule with { NumTrainEpochs = 1 } },
        };
        var log = new List<string>();

        var result = new DemoPipeline(dir.Path, settings, log.Add).Run();

        CollectionAssert.AreEqual(new[] { "SFT on desirable", "DPO on pairs", "KTO", "KTO, 90% desirable dropped" }, result.Methods.Select(m => m.Label).ToArray());
        Assert.AreEqual(2, result.Rounds.Count, "round 0 and one round");
        var online = OnlineSettingsYaml.Load(dir.File("3-online/online.yaml"), []);
        Assert.AreEqual(dir.File("2-reference-sft/model"), online.Model, "online starts from the SFT reference");
        Assert.AreEqual(AddOneTask.AnswerColumn, online.Exact);
        // Two evaluations by two code paths (the demo's generator and the task's checker; online's sampler and
        // exact: answer) on the same held-out prompts.
        Assert.AreEqual(result.Reference.HeldOut, result.Rounds[0].HeldOutAccuracy, 1e-12, "round 0 is the reference");
        Assert.AreEqual(result.Methods[2].Chosen.HeldOut, result.Rounds[1].HeldOutAccuracy, 1e-12, "KTO is online round 1");
        // The baselines learn from round 1's labelled samples.
        int desirable = File.ReadLines(dir.File("3-online/round-1/kto.jsonl")).Count(l => l.Contains("\"label\":true"));
        Assert.AreEqual(desirable, File.ReadLines(dir.File("4-preference-sets/desirable.jsonl")).Count());
        StringAssert.Contains(File.ReadAllText(dir.File("report.md")), "held-out accuracy");

        log.Clear();
        var again = new DemoPipeline(dir.Path, settings, log.Add).Run();
        Assert.AreEqual(result.AccuracyLine, again.AccuracyLine);
        Assert.IsFalse(log.Any(l => l.Contains("$ onnx-kto train")), "a rerun trains nothing: " + string.Join("\n", log.Where(l => l.Contains("$ onnx-kto"))));
    }
}
