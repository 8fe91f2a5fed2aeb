using OnnxKto.Data;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Configuration;

[TestClass]
public sealed class KtoConfigReaderTests
{
    [TestMethod]
    public void TrlKeysMapOntoTheConfig()
    {
        var (c, notes) = KtoConfigReader.Parse("""
            beta: 0.2
            desirable_weight: 1.33
            loss_type: apo_zero_unpaired
            learning_rate: 5.0e-7
            per_device_train_batch_size: 4
            gradient_accumulation_steps: 8
            lr_scheduler_type: cosine
            warmup_ratio: 0.1
            optim: sgd
            optim_args: "momentum=0.9"
            frozen: [wte, wpe]
            output_dir: ./out
            tf32: true
            """, "kto.yaml");
        Assert.AreEqual(0.2, c.Loss.Beta);
        Assert.AreEqual(1.33, c.Loss.DesirableWeight);
        Assert.AreEqual(LossType.ApoZeroUnpaired, c.Loss.LossType);
        Assert.AreEqual(5e-7, c.Schedule.LearningRate);
        Assert.AreEqual(8, c.Schedule.GradientAccumulationSteps);
        Assert.AreEqual(LearningRateSchedulerType.Cosine, c.Schedule.LrSchedulerType);
        Assert.AreEqual(OptimizerKind.Sgd, c.Optimizer.Kind);
        Assert.AreEqual(0.9, c.Optimizer.Momentum);
        CollectionAssert.AreEqual(new[] { "wte", "wpe" }, c.Parameters.Frozen.ToArray());
        Assert.AreEqual(2, notes.Count, "output_dir and tf32 are reported as ignored");
    }

    [TestMethod]
    public void JsonIsValidYaml() =>
        Assert.AreEqual(0.3, KtoConfigReader.Parse("""{"beta": 0.3, "max_steps": 5}""", "kto.json").Config.Loss.Beta);

    [TestMethod]
    [DataRow("learning_rte: 1e-5", "learning_rate")]
    [DataRow("betta: 0.1", "beta")]
    [DataRow("per_device_batch_size: 8", "per_device_train_batch_size")]
    public void UnknownKeySuggestsTheNearest(string yaml, string suggestion)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.Parse(yaml, "kto.yaml"));
        StringAssert.Contains(e.Message, $"Did you mean '{suggestion}'");
        StringAssert.Contains(e.Message, "kto.yaml");
    }

    [TestMethod]
    [DataRow("beta: high", "'beta'", "a number")]
    [DataRow("max_steps: 2.5", "'max_steps'", "an integer")]
    [DataRow("precompute_ref_log_probs: maybe", "'precompute_ref_log_probs'", "true or false")]
    [DataRow("loss_type: ipo", "'loss_type'", "one of kto, apo_zero_unpaired, sft, dpo, bco")]
    [DataRow("per_device_train_batch_size: 0", "'per_device_train_batch_size'", "positive")]
    public void WrongTypeNamesKeyAndExpectedType(string yaml, string key, string expected)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.Parse(yaml, "kto.yaml"));
        StringAssert.Contains(e.Message, key);
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    public void EmptyFileGivesDefaults()
    {
        var c = KtoConfigReader.Parse("", "kto.yaml").Config;
        Assert.AreEqual(0.1, c.Loss.Beta);
        Assert.AreEqual(1e-6, c.Schedule.LearningRate);
        Assert.AreEqual(LossType.Kto, c.Loss.LossType);
    }

    [TestMethod]
    public void YamlWrittenForAConfigReadsBackTheSame()
    {
        var config = new KtoConfig
        {
            Loss = new LossSettings(LossType.ApoZeroUnpaired, Beta: 0.25),
            Schedule = new ScheduleSettings { LearningRate = 3e-6, WarmupRatio = 0.1 },
            Data = new DataOptions { MaxPromptLength = 128, ChatTemplate = "chatml" },
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, Momentum: 0.9),
            Parameters = new ParameterSelection { Frozen = ["wte", "h\\.0\\."] },
            Loop = new LoopSettings { SaveTotalLimit = 2 },
        };
        var back = KtoConfigReader.Parse(KtoConfigWriter.ToYaml(config), "written.yaml").Config;
        Assert.AreEqual(KtoConfigWriter.ToYaml(config), KtoConfigWriter.ToYaml(back));
        // Empty lists are often one shared instance; YAML anchors for them would make the text (a fingerprint) depend on identity.
        Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(KtoConfigWriter.ToYaml(config), @"[&*]o\d"), "no YAML anchors or aliases");
        Assert.AreEqual(config with { Parameters = new() }, back with { Parameters = new() });
        CollectionAssert.AreEqual(config.Parameters.Frozen.ToArray(), back.Parameters.Frozen.ToArray());
    }

    /// <summary>TRL's ModelConfig keys for LoRA, with lora_target_modules as a list or as one name; they survive writing and reading back.</summary>
    [TestMethod]
    public void LoraKeysAsTrlSpellsThem()
    {
        var (c, _) = KtoConfigReader.Parse("""
            use_peft: true
            lora_r: 8
            lora_alpha: 16
            lora_dropout: 0.0
            lora_target_modules: [q_proj, v_proj]
            lora_modules_to_save: lm_head
            """, "kto.yaml");
        Assert.IsTrue(c.Lora.UsePeft);
        Assert.AreEqual(8, c.Lora.R);
        Assert.AreEqual(16.0, c.Lora.Alpha);
        Assert.AreEqual(2.0, c.Lora.Scaling);
        CollectionAssert.AreEqual(new[] { "q_proj", "v_proj" }, c.Lora.TargetModules.ToArray());
        CollectionAssert.AreEqual(new[] { "lm_head" }, c.Lora.ModulesToSave.ToArray());
        Assert.AreEqual(c, KtoConfigReader.Parse(KtoConfigWriter.ToYaml(c), "written").Config, "written and read back");
        CollectionAssert.AreEqual(new[] { "all-linear" },
            KtoConfigReader.Parse("lora_target_modules: all-linear", "kto.yaml").Config.Lora.TargetModules.ToArray());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.Parse("lora_r: 0", "kto.yaml"));
        StringAssert.Contains(e.Message, "lora_r");
    }
}
