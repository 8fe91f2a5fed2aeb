using OnnxKto.Export;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Export;

[TestClass]
public sealed class TrainedCheckpointTests
{
    [TestMethod]
    public void ARunFolderMeansItsHighestStepNumericallyAndLoadsItsWeights()
    {
        using var dir = new TempFolder();
        var (run, weights) = TinyRuns.WriteRun(dir.Path, TinyModels.Gpt2, 9, 10, 2);

        Assert.AreEqual(Path.Combine(run, "checkpoint-10", "checkpoint.safetensors"), TrainedCheckpoint.Resolve(run));
        Assert.AreEqual(Path.Combine(run, "checkpoint-9", "checkpoint.safetensors"), TrainedCheckpoint.Resolve(Path.Combine(run, "checkpoint-9")));
        var source = TrainedCheckpoint.Load(Path.Combine(run, "checkpoint-2"));
        Assert.AreEqual(TinyModels.Gpt2, source.Config);
        Assert.AreEqual(Path.Combine(dir.Path, "model"), source.Spec);
        CollectionAssert.AreEquivalent(weights[2].Keys.ToArray(), source.Weights.Keys.ToArray(), "parameters only, no optimizer state");
        foreach (var (name, tensor) in weights[2])
            CollectionAssert.AreEqual(tensor.Bytes.ToArray(), source.Weights[name].Bytes.ToArray(), name);
    }

    [TestMethod]
    public void AFolderWithoutCheckpointsSaysWhatItExpected()
    {
        using var dir = new TempFolder();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => TrainedCheckpoint.Resolve(dir.Path));
        StringAssert.Contains(e.Message, "checkpoint-<step>");
    }
}
