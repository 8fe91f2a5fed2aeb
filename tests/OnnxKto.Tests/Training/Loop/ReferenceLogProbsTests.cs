using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>The reference log-prob cache on the tiny model, against a float64 forward of the initial weights.</summary>
[TestClass]
public sealed class ReferenceLogProbsTests
{
    // Prompts [p, 3]; completions of one or two tokens and EOS, so the rows differ in length and need padding.
    private static List<TokenizedExample> Data(int first = 4) =>
    [
        new([0, 3], [first, TinyRun.Eos], true), new([1, 3], [5, 6, TinyRun.Eos], false), new([2, 3], [4, TinyRun.Eos], true),
        new([0, 3], [6, TinyRun.Eos], false), new([1, 3], [5, TinyRun.Eos], true),
    ];

    [TestMethod]
    public void ScoresEveryTargetAndKlPairAndReusesTheCacheOnlyForTheSameData()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Data = new DataOptions { MaxLength = 16 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var initial = TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint));
        var weights = initial.Tensors.Where(t => t.Value.Type == DataType.Float).ToDictionary(t => t.Key, t => t.Value.ToDoublesWidened());
        double Expected(TokenizedExample prompt, TokenizedExample completion) => ReferenceTransformer.SequenceLogProb(TinyRun.Config, weights,
            prompt.PromptIds.Select(i => (long)i).ToArray(), completion.CompletionIds.Select(i => (long)i).ToArray());
        using var session = new TrainingSession(artifacts, initial);
        var data = Data();
        (int, int)[] pairs = [(0, 4), (1, 0), (3, 2)];
        var cache = dir.File("run/reference_logps.safetensors");
        Directory.CreateDirectory(dir.File("run"));
        var lines = new List<string>();

        // Three rows a pass: two passes, the second with filler rows for the exhausted KL half.
        var reference = ReferenceLogProbs.LoadOrCompute(session, data, pairs, rows: 3, padId: TinyRun.Eos, maxLength: 16, cache, lines.Add);
        var batch = MicroBatch.Build(data, [0, 1, 2, 3, 4], withKl: false, padId: TinyRun.Eos, maxLength: 16);
        var target = reference.Target(batch);
        for (int i = 0; i < data.Count; i++) Assert.AreEqual(Expected(data[i], data[i]), target[i], 1e-5, $"target {i}");
        var kl = reference.Kl(pairs);
        for (int k = 0; k < pairs.Length; k++) Assert.AreEqual(Expected(data[pairs[k].Item1], data[pairs[k].Item2]), kl[k], 1e-5, $"KL pair {pairs[k]}");
        Assert.IsFalse(lines.Any(l => l.Contains("reusing")));

        var again = ReferenceLogProbs.LoadOrCompute(session, data, pairs, rows: 3, padId: TinyRun.Eos, maxLength: 16, cache, lines.Add);
        Assert.IsTrue(lines.Any(l => l.Contains($"reusing {cache}")), string.Join("\n", lines));
        CollectionAssert.AreEqual(target, again.Target(batch));
        CollectionAssert.AreEqual(kl, again.Kl(pairs));

        // Other data (example 0's completion changed) has another key: computed afresh, not read from the stale file.
        lines.Clear();
        var changed = Data(first: 5);
        var fresh = ReferenceLogProbs.LoadOrCompute(session, changed, pairs, rows: 3, padId: TinyRun.Eos, maxLength: 16, cache, lines.Add);
        Assert.IsFalse(lines.Any(l => l.Contains("reusing")));
        Assert.AreEqual(Expected(changed[0], changed[0]), fresh.Target(batch)[0], 1e-5);
    }
}
