using OnnxKto.Models.Lora;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>LoRA runs end to end: what trains, what checkpoints hold, and <c>--resume</c>.</summary>
[TestClass]
public sealed class TrainerLoraTests
{
    /// <summary>
    /// Qwen2 shape (tied embeddings, q/k/v biases), adapters on every linear layer. The run trains, its checkpoints hold
    /// the adapters and their moments only, and a run resumed from checkpoint-3 with the reference cache deleted (so
    /// the reference is recomputed after updates, from the base with the adapter off) repeats the uninterrupted one bit for bit.
    /// </summary>
    [TestMethod]
    public void LoraRunTrainsAdaptersOnlyAndResumesExactly()
    {
        using var dir = new TempFolder();
        var config = LoraRuns.Config(new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = [LoraSettings.AllLinear] });
        var (artifacts, data, run, _) = LoraRuns.Train(dir.Path, TinyModels.Qwen2, config);

        var manifest = ArtifactManifest.Load(artifacts);
        var trainable = manifest.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToList();
        Assert.AreEqual(2 * 7 * 2, trainable.Count, "A and B of 7 modules in 2 layers");
        Assert.IsTrue(trainable.All(LoraLayer.IsAdapterParameter), string.Join(", ", trainable));
        Assert.IsFalse(manifest.Graphs[ArtifactNames.ReferenceModel].Inputs.Any(LoraLayer.IsAdapterParameter), "the reference is the base without adapters");
        CollectionAssert.AreEquivalent(trainable.SelectMany(n => new[] { n + ".exp_avg", n + ".exp_avg_sq" }).ToArray(), manifest.OptimizerState.ToArray());

        var last = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint-6", ArtifactNames.Checkpoint));
        CollectionAssert.AreEquivalent(trainable.Concat(manifest.OptimizerState).Append(TrainingCheckpoint.StepTensor).ToArray(), last.Tensors.Keys.ToArray(),
            "a LoRA checkpoint holds the adapters and their optimizer state, not the base");
        Assert.IsTrue(trainable.Where(n => n.EndsWith("lora_B.weight")).All(n => last.Tensors[n].ToFloats().Any(v => v != 0)), "every B has trained away from zero");
        var metrics = TinyRun.Metrics(run);
        Assert.AreNotEqual(metrics[0]["loss"], metrics[^1]["loss"]);
        // The session's current model (what the demo and bench export) is the merged one, as the exporter loads it.
        using (var session = new TrainingSession(artifacts, TrainingCheckpoint.Open(Path.Combine(run, "checkpoint-6", ArtifactNames.Checkpoint))))
        {
            var current = session.CurrentModel().Weights;
            var exported = OnnxKto.Export.TrainedCheckpoint.Load(run).Weights;
            CollectionAssert.AreEquivalent(exported.Keys.ToArray(), current.Keys.ToArray());
            foreach (var (name, tensor) in exported) CollectionAssert.AreEqual(tensor.Bytes.ToArray(), current[name].Bytes.ToArray(), name);
        }

        var resumed = dir.File("resumed");
        CopyFolder(run, resumed);
        Directory.Delete(Path.Combine(resumed, "checkpoint-6"), recursive: true);
        File.Delete(Path.Combine(resumed, "reference_logps.safetensors"));
        LoraRuns.Run(artifacts, data, resumed, config, resume: true);

        var actual = TinyRun.Metrics(resumed);
        CollectionAssert.AreEqual(metrics.Select(m => m["step"]).ToList(), actual.Select(m => m["step"]).ToList());
        for (int i = 0; i < metrics.Count; i++)
        {
            Assert.AreEqual(metrics[i]["loss"], actual[i]["loss"], $"loss at step {metrics[i]["step"]}");
            Assert.AreEqual(metrics[i]["kl"], actual[i]["kl"], $"kl at step {metrics[i]["step"]}");
        }
        var again = TrainingCheckpoint.Load(Path.Combine(resumed, "checkpoint-6", ArtifactNames.Checkpoint));
        foreach (var (name, tensor) in last.Tensors)
            CollectionAssert.AreEqual(tensor.Bytes.ToArray(), again.Tensors[name].Bytes.ToArray(), $"{name} after the resumed run");
    }

    /// <summary>A LoRA checkpoint holds no base, so resuming it on artifacts regenerated from other weights is refused, naming both fingerprints.</summary>
    [TestMethod]
    public void ResumingOnAnotherBaseIsRefused()
    {
        using var dir = new TempFolder();
        var config = LoraRuns.Config(new LoraSettings { UsePeft = true, R = 2, Alpha = 4 }) with
        {
            Schedule = new OnnxKto.Training.Batching.ScheduleSettings { PerDeviceTrainBatchSize = 8, MaxSteps = 2 },
            Loop = new LoopSettings { SaveSteps = 1 },
        };
        var (artifacts, data, run, _) = LoraRuns.Train(dir.Path, TinyRun.Config, config);
        Directory.Delete(Path.Combine(run, "checkpoint-2"), recursive: true);
        TinyRun.Artifacts(TinyRun.WriteModel(dir.File("other"), seed: 2), artifacts, config);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LoraRuns.Run(artifacts, data, run, config, resume: true));
        StringAssert.Contains(e.Message, "trained from another model");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }
}
