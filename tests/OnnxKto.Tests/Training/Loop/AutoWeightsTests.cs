using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Training.Loop;

/// <summary><c>desirable_weight: auto</c> / <c>undesirable_weight: auto</c> end to end.</summary>
[TestClass]
public sealed class AutoWeightsTests
{
    /// <summary>
    /// On data with 6 desirable and 18 undesirable examples, desirable_weight auto trains exactly as desirable_weight 3
    /// does (the weight is a graph input instead of a constant), and the start of the run prints it.
    /// </summary>
    [TestMethod]
    public void AutoEqualsTheWeightItResolvesTo()
    {
        using var dir = new TempFolder();
        var data = dir.File("d.jsonl");
        using (var writer = new StreamWriter(data))
            for (int i = 0; i < 24; i++)
                writer.WriteLine(JsonSerializer.Serialize(new { prompt_ids = new[] { i % 3, 3 }, completion_ids = new[] { 4 + i % 2, TinyRun.Eos }, label = i % 4 == 0 }));
        var model = TinyRun.WriteModel(dir.File("model"));
        KtoConfig Config(double? weight) => new()
        {
            Loss = new LossSettings(LossType.Kto, Beta: 0.5, DesirableWeight: weight),
            Schedule = new ScheduleSettings { LearningRate = 1e-2, PerDeviceTrainBatchSize = 8, MaxSteps = 3, TrainSamplingStrategy = SamplingStrategy.Sequential },
            Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 100 },
            Data = new DataOptions { MaxLength = 16 },
        };
        var lines = new List<string>();
        new Trainer(new TrainOptions { Artifacts = TinyRun.Artifacts(model, dir.File("a-auto"), Config(null)), Data = data, Output = dir.File("auto"), Config = Config(null), Threads = 1 }, lines.Add).Run();
        new Trainer(new TrainOptions { Artifacts = TinyRun.Artifacts(model, dir.File("a-3"), Config(3)), Data = data, Output = dir.File("given"), Config = Config(3), Threads = 1 }, _ => { }).Run();

        StringAssert.Contains(lines.Single(l => l.StartsWith("label weights (auto)")), "desirable_weight 3, undesirable_weight 1");
        var (a, b) = (TinyRun.Metrics(dir.File("auto")), TinyRun.Metrics(dir.File("given")));
        for (int i = 0; i < a.Count; i++) Assert.AreEqual(b[i]["loss"]!.Value, a[i]["loss"]!.Value, 1e-7, $"loss at step {i + 1}");
    }

    [TestMethod]
    public void AutoIsReadWrittenAndMakesTheWeightsGraphInputs()
    {
        var (config, _) = KtoConfigReader.Parse("undesirable_weight: auto\n", "kto.yaml");
        Assert.IsNull(config.Loss.UndesirableWeight);
        Assert.AreEqual(1.0, config.Loss.DesirableWeight);
        StringAssert.Contains(KtoConfigWriter.ToYaml(config), "undesirable_weight: auto");
        var model = OnnxKto.Models.Builders.ModelBuilders.For(TinyModels.Gpt2).Build(new OnnxKto.Models.Builders.DecoderOptions { HiddenStates = true });
        var training = TrainingGraphs.Build(model, config).Training;
        Assert.IsTrue(training.Inputs.Any(i => i.Name == ArtifactNames.DesirableWeight) && training.Inputs.Any(i => i.Name == ArtifactNames.UndesirableWeight));
        Assert.IsFalse(TrainingGraphs.Build(model, new KtoConfig()).Training.Inputs.Any(i => i.Name == ArtifactNames.DesirableWeight), "given weights are constants");
    }
}
