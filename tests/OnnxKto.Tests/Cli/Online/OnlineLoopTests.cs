using System.Text.Json.Nodes;
using OnnxKto.Cli.Online;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Cli.Online;

/// <summary>
/// Rounds of <c>onnx-kto online</c> on a tiny task: the tiny GPT-2 (letters a..j) should answer a two-letter prompt
/// with 'j' first; the regex verifier <c>^j</c> is the checker.
/// </summary>
[TestClass]
public sealed class OnlineLoopTests
{
    [TestMethod]
    public void TwoRoundsBuildCompleteRoundFoldersAndRaiseHeldOutAccuracy()
    {
        using var dir = new TempFolder();
        var settings = Settings(dir);

        var rounds = new OnlineLoop(dir.File("out"), settings, _ => { }).Run();

        Assert.AreEqual(3, rounds.Count, "round 0 (the initial model) and two rounds");
        foreach (var r in rounds.Skip(1))
        {
            var folder = dir.File($"out/round-{r.Round}");
            foreach (var name in new[] { "samples.jsonl", "kto.jsonl", "artifacts", "run", "model", "heldout.jsonl", "complete.json" })
                Assert.IsTrue(File.Exists(Path.Combine(folder, name)) || Directory.Exists(Path.Combine(folder, name)), $"round {r.Round}: {name}");
            var labelled = File.ReadAllLines(Path.Combine(folder, "kto.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
            Assert.AreEqual(6 * settings.NumSamples, labelled.Count, "every prompt row sampled num_samples times");
            // The labels are the verifier's, recomputed here from the completions.
            foreach (var line in labelled)
                Assert.AreEqual(((string)line["completion"]!).StartsWith('j'), (bool)line["label"]!, (string)line["completion"]!);
            Assert.AreEqual(labelled.Count(l => (bool)l["label"]!) / (double)labelled.Count, r.DesirableFraction!.Value, 1e-12);
            Assert.IsTrue(File.ReadAllLines(Path.Combine(folder, "run", "metrics.jsonl")).Length > 0, "training ran");
            var logged = File.ReadAllLines(Path.Combine(folder, "run", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["kl"]).Where(kl => kl is not null).Select(kl => (double)kl!).ToList();
            Assert.AreEqual(logged.Average(), r.Kl!.Value, 1e-12, "the KL column is the mean z0 the round logged");
        }
        Assert.IsTrue(rounds[2].HeldOutAccuracy > rounds[0].HeldOutAccuracy,
            $"held-out accuracy {string.Join(" -> ", rounds.Select(r => r.HeldOutAccuracy))}");
        Assert.AreEqual(OnlineSettingsYaml.ToYaml(settings), OnlineSettingsYaml.ToYaml(OnlineSettingsYaml.Load(dir.File("out/online.yaml"), [])),
            "online.yaml records the settings run");
    }

    [TestMethod]
    public void ARunKilledInRoundTwoResumesToTheSameResult()
    {
        using var dir = new TempFolder();
        var settings = Settings(dir);
        var straight = new OnlineLoop(dir.File("straight"), settings, _ => { }).Run();

        var killed = new OnlineLoop(dir.File("killed"), settings, _ => { }, round => round == 2 ? new KillAt(3) : null);
        Assert.ThrowsExactly<KilledException>(() => killed.Run());
        Assert.IsTrue(File.Exists(dir.File("killed/round-1/complete.json")));
        Assert.IsFalse(File.Exists(dir.File("killed/round-2/complete.json")));
        var log = new List<string>();
        var resumed = new OnlineLoop(dir.File("killed"), settings, log.Add).Run();

        Assert.IsTrue(log.Any(l => l.Contains("[round 1] complete, reusing")), "round 1 is reused");
        Assert.IsTrue(log.Any(l => l.Contains("[round 2] resuming from") && l.Contains("checkpoint-2")), "round 2 resumes from its checkpoint");
        CollectionAssert.AreEqual(straight.ToList(), resumed.ToList());
        Assert.AreEqual(File.ReadAllText(dir.File("straight/round-2/heldout.jsonl")), File.ReadAllText(dir.File("killed/round-2/heldout.jsonl")));
        CollectionAssert.AreEqual(StepMetrics(dir.File("straight/round-2/run")), StepMetrics(dir.File("killed/round-2/run")), "every update's metrics");
        CollectionAssert.AreEqual(File.ReadAllBytes(dir.File("straight/round-2/model/model.onnx")), File.ReadAllBytes(dir.File("killed/round-2/model/model.onnx")));
    }

    [TestMethod]
    public void ReferenceInitialScoresRoundTwoAgainstTheInitialModel()
    {
        using var dir = new TempFolder();
        var settings = Settings(dir);
        new OnlineLoop(dir.File("round"), settings, _ => { }).Run();
        new OnlineLoop(dir.File("initial"), settings with { Reference = OnlineReference.Initial }, _ => { }).Run();

        // Before round 2's first update the policy is round 1's model: its implicit reward β·log(π/π_ref) is 0 against
        // itself, and not against the initial model it moved away from.
        double FirstReward(string run) => (double)StepMetrics(dir.File(run)).Select(l => JsonNode.Parse(l)!).First()["rewards/chosen"]!;
        Assert.AreEqual(0, FirstReward("round/round-2/run"), 1e-5);
        Assert.IsTrue(Math.Abs(FirstReward("initial/round-2/run")) > 0.01, $"{FirstReward("initial/round-2/run")}");
        CollectionAssert.AreEqual(StepMetrics(dir.File("round/round-1/run")), StepMetrics(dir.File("initial/round-1/run")), "round 1 is the same either way");
    }

    [TestMethod]
    public void AnOutputFolderWithOtherSettingsIsRefusedButMoreRoundsContinueIt()
    {
        using var dir = new TempFolder();
        var settings = Settings(dir) with { Rounds = 1 };
        new OnlineLoop(dir.File("out"), settings, _ => { }).Run();

        var error = Assert.ThrowsExactly<UserError>(() => new OnlineLoop(dir.File("out"), settings with { NumSamples = 3 }, _ => { }).Run());
        StringAssert.Contains(error.Message, "other settings");
        var log = new List<string>();
        var rounds = new OnlineLoop(dir.File("out"), settings with { Rounds = 2 }, log.Add).Run();
        Assert.AreEqual(3, rounds.Count);
        Assert.IsTrue(log.Any(l => l.Contains("[round 1] complete, reusing")));
    }

    private static OnlineSettings Settings(TempFolder dir)
    {
        TinyRuns.WriteModelFolder(dir.File("model"), TinyModels.Gpt2, seed: 4);
        string Rows(params string[] prompts) => string.Concat(prompts.Select(p => $"{{\"prompt\": \"{p}\"}}\n"));
        var train = KtoConfigReader.Parse("""
            beta: 0.5
            learning_rate: 0.05
            per_device_train_batch_size: 8
            num_train_epochs: 2
            warmup_ratio: 0
            logging_steps: 1
            save_steps: 2
            max_length: 16
            """, "test").Config;
        return new OnlineSettings
        {
            Rounds = 2, Model = dir.File("model"), Prompts = dir.WriteText("prompts.jsonl", Rows("ab", "cd", "ef", "gh", "ba", "dc")),
            HeldOut = dir.WriteText("heldout.jsonl", Rows("ac", "bd", "ce", "df", "eg", "fh", "ga", "hb")),
            NumSamples = 8, Temperature = 1.0, MaxNewTokens = 3, Seed = 7, Regex = "^j", Train = train,
        };
    }

    /// <summary>The logged metrics of every update, without the timings (which no two runs share).</summary>
    private static List<string> StepMetrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).Where(m => m.ContainsKey("step"))
            .Select(m => { m.Remove("tokens_per_second"); return m.ToJsonString(); }).ToList();

    private sealed class KilledException : Exception;

    /// <summary>Stands in for a kill: throws once update <paramref name="step"/> is done.</summary>
    private sealed class KillAt(int step) : ITrainingProgress
    {
        public void Start(int start, int total) { }
        public void Update(int update, double loss) { if (update == step) throw new KilledException(); }
        public void Log(IReadOnlyDictionary<string, double> metrics) { }
        public void Finish() { }
    }
}
