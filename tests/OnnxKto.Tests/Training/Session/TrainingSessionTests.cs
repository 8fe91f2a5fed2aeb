using OnnxKto.Export;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Session;

/// <summary>The ORT-style API used directly, as an ORT training user would.</summary>
[TestClass]
public sealed class TrainingSessionTests
{
    [TestMethod]
    public void TrainStepOptimizerStepAndExportModelForInferencing()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Loss = new LossSettings(LossType.Sft), Schedule = new ScheduleSettings { LearningRate = 1e-2 } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        using var session = new TrainingSession(artifacts, TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint)));
        var data = Enumerable.Range(0, 4).Select(i => new OnnxKto.Data.TokenizedExample([i % 3, 3], [4, TinyRun.Eos], true)).ToList();
        var batch = MicroBatch.Build(data, [0, 1, 2, 3], withKl: false, padId: TinyRun.Eos, maxLength: 16);

        session.SetLearningRate(1e-2);
        var before = session.TrainStep(batch, null, null, 1).Loss;
        double norm = session.OptimizerStep();
        Assert.IsTrue(norm > 0 && double.IsFinite(norm));
        Assert.AreEqual(1, session.Step);
        var after = session.EvalStep(batch, null, null).Loss;
        Assert.IsTrue(after < before, $"one update on the same batch lowers its loss ({before} → {after})");

        ModelExporter.Export(session.CurrentModel(), dir.File("exported"));
        using var exported = SafetensorsFile.Open(dir.File("exported/model.safetensors"));
        var saved = session.SaveCheckpoint(new Dictionary<string, string>());
        CollectionAssert.AreEqual(saved.Tensors["transformer.h.0.mlp.c_fc.weight"].ToFloats(), exported.Read("transformer.h.0.mlp.c_fc.weight").ToFloats());
    }

    [TestMethod]
    public void OptimizerStepBeforeAnyTrainStepIsRefused()
    {
        using var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), new KtoConfig());
        using var session = new TrainingSession(artifacts, TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint)));
        Assert.ThrowsExactly<InvalidOperationException>(() => session.OptimizerStep());
    }
}
