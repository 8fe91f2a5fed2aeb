using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>The run folder's layout: checkpoints by step, guarding a run, atomic saves, pruning, and the metrics file.</summary>
[TestClass]
public sealed class RunFolderTests
{
    private static TrainingCheckpoint Checkpoint(long step) =>
        TrainingCheckpoint.Create(new Dictionary<string, TensorData> { ["w"] = TensorData.FromFloats([1], [(float)step]) }, step, new Dictionary<string, string>());

    [TestMethod]
    public void CheckpointsAreOrderedByStepNumericallyAndIncompleteOnesAreNotListed()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Assert.IsNull(run.LastCheckpoint(), "no folder, no checkpoint");
        foreach (var step in new[] { 9, 10, 2 }) run.SaveCheckpoint(Checkpoint(step), step, keep: null);
        Directory.CreateDirectory(dir.File("run/checkpoint-11.tmp"));
        Directory.CreateDirectory(dir.File("run/checkpoint-final"));

        CollectionAssert.AreEqual(new long[] { 2, 9, 10 }, run.Checkpoints().Select(c => c.Step).ToArray());
        Assert.AreEqual(dir.File("run/checkpoint-10"), run.LastCheckpoint());
        Assert.AreEqual(10, TrainingCheckpoint.Load(Path.Combine(run.CheckpointFolder(10), ArtifactNames.Checkpoint)).Step);
        Assert.IsFalse(Directory.Exists(dir.File("run/checkpoint-10.tmp")), "saved under a temporary name, then renamed");
    }

    [TestMethod]
    public void SavingPrunesTheOldestBeyondTheLimit()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        for (int step = 1; step <= 4; step++) run.SaveCheckpoint(Checkpoint(step), step, keep: 2);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, run.Checkpoints().Select(c => c.Step).ToArray());
    }

    [TestMethod]
    public void PrepareGuardsARunAndOverwriteStartsOver()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        run.Prepare(resume: false, overwrite: false);
        run.SaveCheckpoint(Checkpoint(3), 3, keep: null);
        run.AppendMetrics(new Dictionary<string, double> { ["step"] = 3, ["loss"] = 0.5 });

        var e = Assert.ThrowsExactly<UserError>(() => run.Prepare(resume: false, overwrite: false));
        StringAssert.Contains(e.Message, "checkpoints up to step 3");
        StringAssert.Contains(e.Message, "--resume");
        Directory.CreateDirectory(dir.File("run/checkpoint-4.tmp"));
        run.Prepare(resume: true, overwrite: false);
        Assert.AreEqual(1, run.Checkpoints().Count, "resume keeps the run");
        Assert.IsFalse(Directory.Exists(dir.File("run/checkpoint-4.tmp")), "a checkpoint torn by a crash is removed");
        run.Prepare(resume: false, overwrite: true);
        Assert.AreEqual(0, run.Checkpoints().Count);
        Assert.IsFalse(File.Exists(run.Metrics));
    }

    [TestMethod]
    public void ResumingDropsMetricLinesAfterTheCheckpointAndTornLines()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        run.Prepare(resume: false, overwrite: false);
        for (int step = 1; step <= 3; step++) run.AppendMetrics(new Dictionary<string, double> { ["step"] = step, ["loss"] = step == 2 ? double.NaN : step });
        File.AppendAllText(run.Metrics, "{\"step\": 4, \"lo");  // a line torn by a crash

        run.TruncateMetricsAfter(2);
        var metrics = run.ReadMetrics();
        CollectionAssert.AreEqual(new double[] { 1, 2 }, metrics.Select(m => m["step"]).ToArray());
        Assert.AreEqual(1, metrics[0]["loss"]);
        Assert.IsFalse(metrics[1].ContainsKey("loss"), "a non-finite value is written as null and read as absent");
    }
}
