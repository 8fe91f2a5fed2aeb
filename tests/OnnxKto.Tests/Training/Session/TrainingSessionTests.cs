using OnnxKto.Export;
using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;
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
    /// The same with the optimizer graphs (CUDA's path) run on the CPU in 64-element chunks.
    /// </summary>
    [TestMethod]
    [DataRow(0L)]    // the host loop
    [DataRow(64L)]   // the optimizer graphs
    public void Fp16SkipsAndHalvesOnOverflowUnscalesOtherwiseAndCheckpointsTheScale(long graphChunk)
    {
        long? chunk = graphChunk > 0 ? graphChunk : null;
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
        using (var session = new TrainingSession(artifacts, huge, null, null, chunk))
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
        using (var session = new TrainingSession(artifacts, initial, null, null, chunk))
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

    /// <summary>
    /// CUDA's optimizer path run on the CPU with 100-element chunks (c_attn's 768 values take eight runs) gives the host
    /// loop's parameters and moments, to float32 rounding, after three updates of two accumulated micro-batches each
    /// with clipping (max_grad_norm 0.5) and weight decay. The updates move the parameters well beyond the tolerance, so a
    /// path that wrote nothing back would fail.
    /// </summary>
    [TestMethod]
    public void TheOptimizerGraphsOnTheCpuUpdateAsTheHostLoopDoes()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Loss = new LossSettings(LossType.Sft), Optimizer = new OptimizerSettings(WeightDecay: 0.1, MaxGradNorm: 0.5) };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var initial = TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint));
        var data = Enumerable.Range(0, 4).Select(i => new OnnxKto.Data.TokenizedExample([i % 3, 3], [4 + i % 2, TinyRun.Eos], true)).ToList();
        var halves = new[] { MicroBatch.Build(data, [0, 1], withKl: false, padId: TinyRun.Eos, maxLength: 16), MicroBatch.Build(data, [2, 3], withKl: false, padId: TinyRun.Eos, maxLength: 16) };
        (List<double> Norms, Dictionary<string, float[]> Tensors) Train(long? chunk)
        {
            using var session = new TrainingSession(artifacts, initial, null, null, chunk);
            session.SetLearningRate(1e-2);
            var norms = new List<double>();
            for (int step = 0; step < 3; step++)
            {
                foreach (var half in halves) session.TrainStep(half, null, null, 0.5f);
                norms.Add(session.OptimizerStep());
            }
            return (norms, session.SaveCheckpoint(new Dictionary<string, string>()).Tensors
                .Where(t => t.Value.Type == DataType.Float).ToDictionary(t => t.Key, t => t.Value.ToFloats()));
        }

        var host = Train(null);
        var graph = Train(100);

        Assert.IsTrue(host.Norms[0] > 0.5, $"clipping is active (norm {host.Norms[0]})");
        for (int i = 0; i < 3; i++) Assert.AreEqual(host.Norms[i], graph.Norms[i], 1e-5 * host.Norms[i], $"grad_norm of update {i + 1}");
        CollectionAssert.AreEquivalent(host.Tensors.Keys.ToList(), graph.Tensors.Keys.ToList());
        const string weight = "transformer.h.0.attn.c_attn.weight";
        Assert.IsTrue(host.Tensors[weight].Zip(initial.Tensors[weight].ToFloats()).Max(p => Math.Abs(p.First - p.Second)) > 0.01, "the updates moved c_attn");
        foreach (var (name, expected) in host.Tensors)
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], graph.Tensors[name][i], 1e-5 * (1 + Math.Abs(expected[i])), $"{name}[{i}]");
    }

    /// <summary>
    /// A folder from before the optimizer ran in chunks (no gradient norm graph in its manifest) is refused where the
    /// optimizer graphs run, with the command that regenerates it; the CPU's host loop needs neither graph and still trains on it.
    /// </summary>
    [TestMethod]
    public void ArtifactsWithoutTheGradientNormGraphAreRefusedWhereTheOptimizerGraphsRun()
    {
        using var dir = new TempFolder();
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), new KtoConfig { Loss = new LossSettings(LossType.Sft) });
        var manifest = ArtifactManifest.Load(artifacts);
        File.WriteAllText(Path.Combine(artifacts, ArtifactNames.Manifest),
            (manifest with { Graphs = manifest.Graphs.Where(g => g.Key != ArtifactNames.GradientNormModel).ToDictionary() }).ToJson());
        File.Delete(Path.Combine(artifacts, ArtifactNames.GradientNormModel));
        var checkpoint = TrainingCheckpoint.Load(Path.Combine(artifacts, ArtifactNames.Checkpoint));

        var e = Assert.ThrowsExactly<UserError>(() => new TrainingSession(artifacts, checkpoint, null, null, optimizerGraphChunk: 64));

        StringAssert.Contains(e.Message, ArtifactNames.GradientNormModel);
        StringAssert.Contains(e.Message, artifacts);
        StringAssert.Contains(e.Hint, "onnx-kto artifacts");
        using var cpu = new TrainingSession(artifacts, checkpoint);
        Assert.AreEqual(0, cpu.Step);
    }
}
