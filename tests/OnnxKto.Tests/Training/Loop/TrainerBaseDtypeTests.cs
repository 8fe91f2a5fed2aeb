using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Loop;

/// <summary><c>base_dtype</c>: a LoRA run whose frozen base stays in bfloat16.</summary>
[TestClass]
public sealed class TrainerBaseDtypeTests
{
    /// <summary>
    /// The same bfloat16-representable weights stored as BF16 (<c>base_dtype: auto</c> keeps the base in bfloat16) and as
    /// F32 (float32 base) train the same adapters: casting a bfloat16 weight to float32 is exact, so the two runs agree
    /// to float32 rounding. The bfloat16 run's checkpoint and graph inputs hold the base in bfloat16, its adapters and
    /// moments in float32, and the memory plan counts 2 bytes per frozen value.
    /// </summary>
    [TestMethod]
    public void ABfloat16BaseTrainsAsTheFloat32OneOnTheSameWeights()
    {
        using var dir = new TempFolder();
        var model = TinyModels.Qwen2;
        var weights = TinyModels.RandomWeights(ModelBuilders.For(model).Build().Parameters, seed: 1)
            .ToDictionary(w => w.Key, w => TensorCasts.To(TensorCasts.To(w.Value, DataType.BFloat16), DataType.Float));
        var config = LoraRuns.Config(new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = [LoraSettings.AllLinear] });
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 48);

        var f32 = Train(dir.File("f32"), model, weights, config, data);
        TinyRuns.WriteModelFolder(dir.File("bf16-model"), model, weights);
        SafetensorsWriter.Write(Path.Combine(dir.File("bf16-model"), ModelFiles.Weights), weights.ToDictionary(w => w.Key, w => TensorCasts.To(w.Value, DataType.BFloat16)));
        var bf16 = Train(dir.File("bf16"), model, null, config, data);

        var manifest = ArtifactManifest.Load(bf16.Artifacts);
        Assert.AreEqual(DataType.BFloat16, manifest.BaseType);
        Assert.AreEqual(DataType.Float, ArtifactManifest.Load(f32.Artifacts).BaseType);
        const string frozen = "model.layers.0.self_attn.q_proj.weight";
        var training = OnnxKto.Graphs.Serialization.OnnxModelFile.Load(Path.Combine(bf16.Artifacts, ArtifactNames.TrainingModel));
        Assert.AreEqual(DataType.BFloat16, training[frozen].Type);
        using (var initial = SafetensorsFile.Open(Path.Combine(bf16.Artifacts, ArtifactNames.Checkpoint)))
        {
            Assert.AreEqual("BF16", initial.GetInfo(frozen).Dtype);
            Assert.AreEqual("F32", initial.GetInfo(frozen.Replace(".weight", ".lora_A.weight")).Dtype);
        }

        var expected = TinyRun.Metrics(f32.Run);
        var actual = TinyRun.Metrics(bf16.Run);
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.AreEqual(expected[i]["loss"]!.Value, actual[i]["loss"]!.Value, 1e-6, $"loss at step {expected[i]["step"]}");
        var a = TrainingCheckpoint.Load(Path.Combine(f32.Run, "checkpoint-6", ArtifactNames.Checkpoint));
        var b = TrainingCheckpoint.Load(Path.Combine(bf16.Run, "checkpoint-6", ArtifactNames.Checkpoint));
        foreach (var (name, tensor) in a.Tensors.Where(t => t.Value.Type == DataType.Float))
        {
            var (x, y) = (tensor.ToFloats(), b.Tensors[name].ToFloats());
            for (int i = 0; i < x.Length; i++) Assert.AreEqual(x[i], y[i], 1e-5 * (1 + Math.Abs(x[i])), $"{name}[{i}]");
        }

        long all = manifest.Parameters.Sum(p => p.Shape.Aggregate(1L, (n, d) => n * d));
        long trainable = manifest.Parameters.Where(p => p.Trainable).Sum(p => p.Shape.Aggregate(1L, (n, d) => n * d));
        long Parameters(ArtifactManifest m) => MemoryPlan.For(m, 8, 16, 8, 1, ExecutionDevice.Cpu).Parts.Single(p => p.Name.StartsWith("parameters")).Bytes;
        Assert.AreEqual(4 * trainable + 2 * (all - trainable), Parameters(manifest));
        Assert.AreEqual(4 * all, Parameters(ArtifactManifest.Load(f32.Artifacts)));
    }

    /// <summary>A 16-bit base without LoRA is refused when the artifacts are made, naming the key.</summary>
    [TestMethod]
    public void A16BitBaseWithoutLoraIsRefused()
    {
        using var dir = new TempFolder();
        var folder = dir.File("model");
        TinyRuns.WriteModelFolder(folder, TinyModels.Llama, seed: 1);
        var config = new KtoConfig { Lora = new LoraSettings { BaseDtype = BaseDtype.BFloat16 } };
        var e = Assert.ThrowsExactly<UserError>(() => ArtifactGenerator.Generate(ModelSource.Load(folder), config, dir.File("artifacts")));
        StringAssert.Contains(e.Message, "base_dtype");
        StringAssert.Contains(e.Hint, "use_peft: true");
    }

    // Writes the model folder (unless weights is null: already written), its artifacts, and trains into root/run.
    private static (string Artifacts, string Run) Train(string root, ModelConfig model, Dictionary<string, TensorData>? weights, KtoConfig config, string data)
    {
        var folder = root + "-model";
        if (weights is not null) TinyRuns.WriteModelFolder(folder, model, weights);
        var artifacts = Path.Combine(root, "artifacts");
        ArtifactGenerator.Generate(ModelSource.Load(folder), config, artifacts);
        var run = Path.Combine(root, "run");
        LoraRuns.Run(artifacts, data, run, config, resume: false);
        return (artifacts, run);
    }
}
