using OnnxKto.Models.Lora;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Session;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>Full fine-tuning of the 2026 families' tiny shapes through the trainer: the loss moves and <c>--resume</c> is exact.</summary>
[TestClass]
public sealed class TrainerFamiliesTests
{
    [TestMethod]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("llama3-rope")]
    public void AFullRunTrainsAndResumesExactly(string name)
    {
        using var dir = new TempFolder();
        var config = LoraRuns.Config(new LoraSettings { UsePeft = false });
        var (artifacts, data, run, _) = LoraRuns.Train(dir.Path, TinyModels.ByName(name), config);
        var metrics = TinyRun.Metrics(run);
        Assert.AreNotEqual(metrics[0]["loss"], metrics[^1]["loss"]);

        var resumed = dir.File("resumed");
        foreach (var folder in Directory.EnumerateDirectories(run, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(folder.Replace(run, resumed));
        foreach (var file in Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(run, resumed));
        Directory.Delete(Path.Combine(resumed, "checkpoint-6"), recursive: true);
        LoraRuns.Run(artifacts, data, resumed, config, resume: true);

        var last = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint-6", ArtifactNames.Checkpoint));
        var again = TrainingCheckpoint.Load(Path.Combine(resumed, "checkpoint-6", ArtifactNames.Checkpoint));
        foreach (var (tensor, values) in last.Tensors)
            CollectionAssert.AreEqual(values.Bytes.ToArray(), again.Tensors[tensor].Bytes.ToArray(), $"{tensor} after the resumed run");
    }
}
