using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Session;

[TestClass]
public sealed class MemoryPlanTests
{
    [TestMethod]
    public void ParametersGradientsAndStateAreCountedFromTheManifest()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Parameters = new ParameterSelection { Frozen = ["wte|wpe"] } };
        var manifest = ArtifactManifest.Load(TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config));
        // Counted by hand from the manifest's shapes, independently of the plan's arithmetic.
        long all = 0, trainable = 0;
        foreach (var p in manifest.Parameters)
        {
            long n = 1;
            foreach (var d in p.Shape) n *= d;
            all += n;
            if (p.Trainable) trainable += n;
        }
        Assert.IsTrue(trainable < all, "the frozen embeddings are not trainable");

        var cpu = MemoryPlan.For(manifest, batch: 2, length: 8, completionLength: 4, accumulationSteps: 1, ExecutionDevice.Cpu);
        Assert.AreEqual(4 * all, Bytes(cpu, "parameters"));
        Assert.AreEqual(4 * trainable, Bytes(cpu, "gradients"));
        Assert.AreEqual(4 * trainable * 2, Bytes(cpu, "optimizer state"), "AdamW: exp_avg and exp_avg_sq");
        Assert.AreEqual(4L * 4 * 2 * 4 * TinyRun.Config.VocabSize, Bytes(cpu, "vocabulary-sized head"), "four (rows, vocab) fp32 tensors, rows = 2 x 4");

        var accumulating = MemoryPlan.For(manifest, 2, 8, 4, accumulationSteps: 4, ExecutionDevice.Cpu);
        Assert.AreEqual(2 * 4 * trainable, Bytes(accumulating, "gradients"), "accumulation alternates two gradient buffers");
        Assert.IsFalse(cpu.Parts.Any(p => p.Name.StartsWith("optimizer scratch", StringComparison.Ordinal)), "the CPU updates in place");
        var cuda = MemoryPlan.For(manifest, 2, 8, 4, 1, ExecutionDevice.Cuda(0));
        Assert.AreEqual(4 * all, Bytes(cuda, "parameters"), "the CUDA optimizer graph updates in place too: no second set");
        Assert.AreEqual(4 * trainable * 2, Bytes(cuda, "optimizer state"));
        // The tiny model's largest trainable tensor, c_attn's [16, 48], is under one chunk: the scratch is that long.
        long largest = manifest.Parameters.Where(p => p.Trainable).Max(p => p.Shape.Aggregate(1L, (n, d) => n * d));
        Assert.AreEqual(16 * 48, largest);
        Assert.AreEqual(4 * (1 + 2) * largest, Bytes(cuda, "optimizer scratch"), "parameter, exp_avg and exp_avg_sq: one chunk each");

        var checkpointed = ArtifactManifest.Load(TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model2")), dir.File("artifacts2"),
            config with
            {
                // 2 x 8 rows in pieces of 3: six pieces keep the graph small.
                Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = 2 }, Data = new OnnxKto.Data.DataOptions { MaxLength = 8 },
                Memory = new MemorySettings { GradientCheckpointing = true, HeadChunkRows = 3 },
            }));
        var lean = MemoryPlan.For(checkpointed, 2, 8, 4, 1, ExecutionDevice.Cpu);
        // One layer: checkpointing keeps the layer's input (2 x 8 tokens x 16 floats) on top of the one layer it recomputes.
        Assert.AreEqual(1, TinyRun.Config.NumLayers);
        Assert.AreEqual(Bytes(cpu, "activations") + 2 * 8 * 4 * TinyRun.Config.HiddenSize, Bytes(lean, "activations"), 1.0);
        Assert.AreEqual(4L * 4 * 3 * TinyRun.Config.VocabSize, Bytes(lean, "vocabulary-sized head"), "three rows at a time");

        // The CPU arena keeps half the step's transient tensors (activations and head) again; CUDA has no CPU arena.
        var arena = MemoryPlan.For(manifest, 2, 8, 4, 1, ExecutionDevice.Cpu, arena: true);
        Assert.AreEqual((Bytes(cpu, "activations") + Bytes(cpu, "vocabulary-sized head")) / 2, Bytes(arena, "ONNX Runtime CPU arena slack"), 1.0);
        Assert.AreEqual(cpu.TotalBytes + Bytes(arena, "ONNX Runtime CPU arena slack"), arena.TotalBytes);
        Assert.IsFalse(MemoryPlan.For(manifest, 2, 8, 4, 1, ExecutionDevice.Cuda(0), arena: true).Parts.Any(p => p.Name == MemoryPlan.ArenaSlackPart));

        var longer = MemoryPlan.For(manifest, 2, 16, 4, 1, ExecutionDevice.Cpu);
        Assert.IsTrue(Bytes(longer, "activations") > 2 * Bytes(cpu, "activations"), "attention rows make activations grow faster than the length");
    }

    [TestMethod]
    public void APlanOverTheLimitIsRefusedBeforeTheRunFolderIsWritten()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig
        {
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = 4, MaxSteps = 2 },
            Data = new OnnxKto.Data.DataOptions { MaxLength = 16 },
        };
        var artifacts = TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config);
        var options = new TrainOptions
        {
            Artifacts = artifacts, Data = TinyRun.WriteData(dir.File("train.jsonl"), 8), Output = dir.File("run"), Config = config,
            MemoryLimitBytes = 1 << 20,
        };
        var log = new List<string>();

        var e = Assert.ThrowsExactly<UserError>(() => new Trainer(options, log.Add).Run());

        StringAssert.Contains(e.Message, "--memory-limit");
        StringAssert.Contains(e.Message, "runtime");          // the largest part for a tiny model
        StringAssert.Contains(e.Hint, "LoRA");
        StringAssert.Contains(e.Hint, "gradient_checkpointing");
        StringAssert.Contains(e.Hint, "per_device_train_batch_size");
        Assert.IsFalse(Directory.Exists(dir.File("run")), "nothing is written before the plan is accepted");
        Assert.IsTrue(log.Any(l => l.Contains("memory plan")), "the plan is printed first");
        Assert.IsTrue(log.Any(l => l.Contains("optimizer state")));
        Assert.IsTrue(log.Any(l => l.StartsWith("memory arena: off (auto", StringComparison.Ordinal)), "1 MiB cannot hold the arena either");
    }

    /// <summary>Under LoRA the base is frozen: gradients and moments are counted for A and B only, worked out from the shapes by hand.</summary>
    [TestMethod]
    public void LoraPlanCountsGradientsAndMomentsForTheAdaptersOnly()
    {
        using var dir = new TempFolder();
        var config = new KtoConfig { Lora = new OnnxKto.Models.Lora.LoraSettings { UsePeft = true, R = 4, Alpha = 8 } };
        var manifest = ArtifactManifest.Load(TinyRun.Artifacts(TinyRun.WriteModel(dir.File("model")), dir.File("artifacts"), config));
        // TinyRun: one layer, hidden 16; PEFT's GPT-2 default adapts c_attn (16 → 48): A [4, 16] + B [48, 4].
        long adapters = 4 * 16 + 48 * 4;
        var plan = MemoryPlan.For(manifest, batch: 2, length: 8, completionLength: 4, accumulationSteps: 1, ExecutionDevice.Cpu);
        Assert.AreEqual(4 * adapters, Bytes(plan, "gradients"));
        Assert.AreEqual(4 * adapters * 2, Bytes(plan, "optimizer state"));
        Assert.AreEqual(4 * manifest.Parameters.Sum(p => p.Shape.Aggregate(1L, (n, d) => n * d)), Bytes(plan, "parameters"), "base and adapters, each once");
    }

    private static long Bytes(MemoryPlan plan, string part) => plan.Parts.Single(p => p.Name.StartsWith(part, StringComparison.Ordinal)).Bytes;
}
