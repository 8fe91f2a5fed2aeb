using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
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
            bf16: true
            """, "kto.yaml");
        Assert.AreEqual(0.2, c.Beta);
        Assert.AreEqual(1.33, c.DesirableWeight);
        Assert.AreEqual(LossType.ApoZeroUnpaired, c.LossType);
        Assert.AreEqual(5e-7, c.LearningRate);
        Assert.AreEqual(8, c.GradientAccumulationSteps);
        Assert.AreEqual("cosine", c.LrSchedulerType);
        Assert.AreEqual(OptimizerKind.Sgd, c.Optim);
        Assert.AreEqual(0.9, c.SgdMomentum);
        CollectionAssert.AreEqual(new[] { "wte", "wpe" }, c.Frozen.ToArray());
        Assert.AreEqual(2, notes.Count, "output_dir and bf16 are reported as ignored");
    }

    [TestMethod]
    public void JsonIsValidYaml() =>
        Assert.AreEqual(0.3, KtoConfigReader.Parse("""{"beta": 0.3, "max_steps": 5}""", "kto.json").Config.Beta);

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
    [DataRow("loss_type: dpo", "'loss_type'", "one of kto, apo_zero_unpaired, sft")]
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
        Assert.AreEqual(0.1, c.Beta);
        Assert.AreEqual(1e-6, c.LearningRate);
        Assert.AreEqual(LossType.Kto, c.LossType);
    }

    [TestMethod]
    public void YamlWrittenForAConfigReadsBackTheSame()
    {
        var config = new KtoConfig
        {
            Beta = 0.25, LossType = LossType.ApoZeroUnpaired, LearningRate = 3e-6, MaxPromptLength = 128, Optim = OptimizerKind.Sgd,
            SgdMomentum = 0.9, Frozen = ["wte", "h\\.0\\."], SaveTotalLimit = 2, ChatTemplate = "chatml", WarmupRatio = 0.1,
        };
        var back = KtoConfigReader.Parse(KtoConfigReader.ToYaml(config), "written.yaml").Config;
        Assert.AreEqual(KtoConfigReader.ToYaml(config), KtoConfigReader.ToYaml(back));
        Assert.AreEqual(config with { Frozen = [], Trainable = [] }, back with { Frozen = [], Trainable = [] });
        CollectionAssert.AreEqual(config.Frozen.ToArray(), back.Frozen.ToArray());
    }
}
