using System.Reflection;
using System.Text.Json;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Tests.Training.Configuration;

[TestClass]
public sealed class KtoConfigKeysTests
{
    /// <summary>
    /// For every settings property of every record <see cref="KtoConfig"/> is made of, the default config with that one
    /// property changed (by reflection, independently of the key table).
    /// </summary>
    private static IEnumerable<(string Property, KtoConfig Config)> OnePropertyChanged()
    {
        var defaults = new KtoConfig();
        foreach (var section in typeof(KtoConfig).GetProperties())
        {
            var record = section.GetValue(defaults)!;
            foreach (var property in record.GetType().GetProperties().Where(p => p.SetMethod is not null))
            {
                var copy = Clone(record);
                property.SetValue(copy, Changed(property.PropertyType, property.GetValue(record)));
                var config = Clone(defaults);
                section.SetValue(config, copy);
                yield return ($"{section.Name}.{property.Name}", config);
            }
        }
    }

    private static T Clone<T>(T record) where T : notnull =>
        (T)record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;

    private static object Changed(Type type, object? value) => type switch
    {
        // Halving and shifting keeps fractions such as kl_ema inside [0, 1).
        _ when type == typeof(double) => (double)value! / 2 + 0.25,
        _ when type == typeof(int) => (int)value! + 3,
        _ when type == typeof(int?) => 7,
        _ when type == typeof(double?) => value is null ? 0.75 : null!,  // a number becomes auto
        _ when type == typeof(bool) => !(bool)value!,
        _ when type == typeof(bool?) => value is null ? false : null!,  // auto becomes false
        _ when type == typeof(string) => "chatml",
        _ when type == typeof(IReadOnlyList<string>) => new[] { "h\\.0\\.", "wte|wpe" },
        { IsEnum: true } => Enum.GetValues(type).Cast<object>().First(v => !v.Equals(value)),
        _ => throw new AssertFailedException($"The test does not know how to change a {type.Name}; add a case."),
    };

    private static Dictionary<string, string> Written(KtoConfig config) =>
        KtoConfigKeys.All.ToDictionary(k => k.Name, k => JsonSerializer.Serialize(k.Write(config)));

    [TestMethod]
    public void EverySettingsPropertyIsCoveredByExactlyOneKey()
    {
        var defaults = Written(new KtoConfig());
        var changed = OnePropertyChanged().ToList();
        foreach (var (property, config) in changed)
        {
            var keys = Written(config).Where(kv => kv.Value != defaults[kv.Key]).Select(kv => kv.Key).ToList();
            Assert.AreEqual(1, keys.Count, $"{property} is written by [{string.Join(", ", keys)}]: every setting needs exactly one key in KtoConfigKeys.All");
        }
        Assert.AreEqual(changed.Count, KtoConfigKeys.All.Count, "one key per setting");
    }

    [TestMethod]
    public void EveryKeyRoundTripsThroughYamlAndJson()
    {
        foreach (var (property, config) in OnePropertyChanged())
        {
            var yaml = KtoConfigWriter.ToYaml(config);
            Assert.AreEqual(config, KtoConfigReader.Parse(yaml, "written.yaml").Config, $"{property} through YAML:\n{yaml}");
            var json = JsonSerializer.Serialize(config, ArtifactManifest.Json);
            Assert.AreEqual(config, JsonSerializer.Deserialize<KtoConfig>(json, ArtifactManifest.Json), $"{property} through JSON: {json}");
        }
    }

    [TestMethod]
    public void DefaultsAreTheRecordsDefaults()
    {
        Assert.AreEqual(1024, KtoConfigKeys.Find("max_length")!.Default);
        Assert.AreEqual("linear", KtoConfigKeys.Find("lr_scheduler_type")!.Default);
        Assert.AreEqual("random", KtoConfigKeys.Find("train_sampling_strategy")!.Default);
        Assert.AreEqual("adamw_torch", KtoConfigKeys.Find("optim")!.Default);
        Assert.IsNull(KtoConfigKeys.Find("max_prompt_length")!.Default);
    }

    [TestMethod]
    public void BakedDifferencesNameEachKeyWithBothValues()
    {
        var artifacts = new KtoConfig();
        var config = artifacts with
        {
            Loss = artifacts.Loss with { Beta = 0.5 },
            Optimizer = artifacts.Optimizer with { Kind = OptimizerKind.Sgd },
            Parameters = new ParameterSelection { Frozen = ["wte", "wpe"] },
            Schedule = artifacts.Schedule with { LearningRate = 0.1 },
            Data = artifacts.Data with { MaxLength = 8 },
        };
        CollectionAssert.AreEquivalent(
            new[] { "beta: config 0.5, artifacts 0.1", "optim: config sgd, artifacts adamw_torch", "frozen: config [wte, wpe], artifacts []" },
            KtoConfigKeys.BakedDifferences(config, artifacts).ToArray(),
            "schedule and data settings are not baked into the graphs");
        Assert.AreEqual(0, KtoConfigKeys.BakedDifferences(config, config with { Parameters = new ParameterSelection { Frozen = ["wte", "wpe"] } }).Count,
            "equal patterns in another list are the same selection");
    }

    [TestMethod]
    public void BakedKeysAreTheLossOptimizerParameterMemoryPrecisionAndLoraKeys() =>
        CollectionAssert.AreEquivalent(new[] { nameof(KtoConfig.Loss), nameof(KtoConfig.Optimizer), nameof(KtoConfig.Parameters), nameof(KtoConfig.Memory), nameof(KtoConfig.Precision), nameof(KtoConfig.Lora) },
            KtoConfigKeys.All.Where(k => k.Baked).Select(k => k.Section).Distinct().ToArray());

    [TestMethod]
    public void EnumKeysTakeTheirConfigNames()
    {
        foreach (var type in Enum.GetValues<LossType>())
            Assert.AreEqual(type, KtoConfigReader.Parse($"loss_type: {type.ToConfigName()}", "kto.yaml").Config.Loss.LossType);
        var c = KtoConfigReader.Parse("lr_scheduler_type: constant_with_warmup\ntrain_sampling_strategy: sequential\noptim: adamw_hf", "kto.yaml").Config;
        Assert.AreEqual(OnnxKto.Training.Batching.LearningRateSchedulerType.ConstantWithWarmup, c.Schedule.LrSchedulerType);
        Assert.AreEqual(OnnxKto.Training.Batching.SamplingStrategy.Sequential, c.Schedule.TrainSamplingStrategy);
        Assert.AreEqual(OptimizerKind.AdamW, c.Optimizer.Kind);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.Parse("lr_scheduler_type: step", "kto.yaml"));
        StringAssert.Contains(e.Message, "'lr_scheduler_type' (line 1) must be one of constant, constant_with_warmup, linear, cosine, got 'step'");
    }
}
