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
        // The checkpoint streams from the session: after another update it refuses to be read rather than mixing updates.
        session.TrainStep(batch, null, null, 1);
        session.OptimizerStep();
        Assert.ThrowsExactly<InvalidOperationException>(() => saved.Tensors["transformer.h.0.mlp.c_fc.weight"]);
    }

    [TestMethod]
    public void OptimizerStepBeforeAnyTrainStepIsRefused()
    {
        using var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), new KtoConfig());
        using var session = new TrainingSession(artifacts, TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint)));
        Assert.ThrowsExactly<InvalidOperationException>(() => session.OptimizerStep());
    }

    [TestMethod]
    public void Bf16ArtifactsOnTheCpuAreAUserErrorNamingTheDevice()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Loss = new LossSettings(LossType.Sft), Precision = new PrecisionSettings { Bf16 = true } };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var e = Assert.ThrowsExactly<UserError>(() => new TrainingSession(artifacts, TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint))));
        StringAssert.Contains(e.Message, "--device cuda");
        StringAssert.Contains(e.Hint, "bf16=false");
    }

    /// <summary>
    /// fp16 on the CPU: a loss scale of 2¹²⁷ times a loss multiplier of 2 overflows the backward (even in float32, which is
    /// what the CPU provider computes float16 products in), so the update is skipped (parameters and step unchanged) and
    /// the scale halves; a scale of 2¹⁶ then gives the float32 run's gradient norm (the graph
    /// divides the gradients by S again), and the scaler's state travels in the checkpoint so a resume continues with it.
    /// </summary>
    [TestMethod]
    public void Fp16SkipsAndHalvesOnOverflowUnscalesOtherwiseAndCheckpointsTheScale()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var sft = new KtoConfig { Loss = new LossSettings(LossType.Sft) };
        var plainArtifacts = TinyRun.Artifacts(model, dir.File("plain"), sft);
        var artifacts = TinyRun.Artifacts(model, dir.File("fp16"), sft with { Precision = new PrecisionSettings { Fp16 = true } });
        var initial = TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint));
        var data = Enumerable.Range(0, 4).Select(i => new OnnxKto.Data.TokenizedExample([i % 3, 3], [4, TinyRun.Eos], true)).ToList();
        var batch = MicroBatch.Build(data, [0, 1, 2, 3], withKl: false, padId: TinyRun.Eos, maxLength: 16);

        double expectedNorm;
        using (var plain = new TrainingSession(plainArtifacts, TrainingCheckpoint.Load(Path.Combine(plainArtifacts, ArtifactNames.Checkpoint))))
        {
            Assert.IsNull(plain.DynamicLossScale, "float32 artifacts have no loss scale");
            plain.TrainStep(batch, null, null, 1);
            expectedNorm = plain.OptimizerStep();
        }

        var huge = new TrainingCheckpoint(initial.Tensors, initial.Metadata.Concat(new DynamicLossScaler(Math.Pow(2, 127)).ToMetadata()).ToDictionary());
        using (var session = new TrainingSession(artifacts, huge))
        {
            Assert.AreEqual(Math.Pow(2, 127), session.DynamicLossScale);
            session.SetLearningRate(1e-2);
            session.TrainStep(batch, null, null, 2);
            Assert.IsFalse(double.IsFinite(session.OptimizerStep()), "the scaled gradients overflow");
            Assert.AreEqual((0L, Math.Pow(2, 126)), (session.Step, session.DynamicLossScale), "skipped and halved");
            CollectionAssert.AreEqual(initial.Tensors["transformer.h.0.mlp.c_fc.weight"].ToFloats(),
                session.SaveCheckpoint(new Dictionary<string, string>()).Tensors["transformer.h.0.mlp.c_fc.weight"].ToFloats(), "parameters untouched");
        }

        TrainingCheckpoint saved;
        using (var session = new TrainingSession(artifacts, initial))
        {
            Assert.AreEqual(65536, session.DynamicLossScale);
            session.SetLearningRate(1e-2);
            session.TrainStep(batch, null, null, 1);
            double norm = session.OptimizerStep();
            Assert.AreEqual(expectedNorm, norm, 1e-2 * expectedNorm, "the unscaled gradient's norm is the float32 one, to float16 rounding");
            Assert.AreEqual(1, session.Step);
            // Through a file, as a resumed run reads it: the session's checkpoint is read from the session itself.
            session.SaveCheckpoint(new Dictionary<string, string> { ["run"] = "test" }).Save(dir.File("checkpoint.safetensors"));
            saved = TrainingCheckpoint.Load(dir.File("checkpoint.safetensors"));
        }
        Assert.AreEqual("65536", saved.Metadata[DynamicLossScaler.ScaleKey]);
        Assert.AreEqual("1", saved.Metadata[DynamicLossScaler.GoodStepsKey]);
        Assert.AreEqual("test", saved.Metadata["run"]);
        using var resumed = new TrainingSession(artifacts, saved);
        Assert.AreEqual(65536, resumed.DynamicLossScale);
    }
}
