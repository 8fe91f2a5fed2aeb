using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Lora;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.TestUtil;

/// <summary>A short LoRA run on a tiny model folder and <see cref="TinyRun"/>'s separable task.</summary>
internal static class LoraRuns
{
    /// <summary>KTO with LoRA (r 2, α 4), 6 updates of 8 examples, a checkpoint every 3.</summary>
    public static KtoConfig Config(LoraSettings lora) => new()
    {
        Lora = lora,
        Schedule = new ScheduleSettings { LearningRate = 2e-2, PerDeviceTrainBatchSize = 8, MaxSteps = 6, LrSchedulerType = LearningRateSchedulerType.Linear },
        Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 3 },
        Data = new DataOptions { MaxLength = 16, Seed = 5 },
    };

    /// <summary>Writes a model folder for <paramref name="model"/>, its LoRA artifacts and data under <paramref name="root"/>, and trains into <c>root/run</c>.</summary>
    /// <returns>The folders and the base weights the model folder holds.</returns>
    public static (string Artifacts, string Data, string Run, Dictionary<string, TensorData> Base) Train(string root, ModelConfig model, KtoConfig config)
    {
        var folder = Path.Combine(root, "model");
        var weights = TinyRuns.WriteModelFolder(folder, model, seed: 1);
        var artifacts = Path.Combine(root, "artifacts");
        ArtifactGenerator.Generate(ModelSource.Load(folder), config, artifacts);
        var data = TinyRun.WriteData(Path.Combine(root, "train.jsonl"), 48);
        var run = Path.Combine(root, "run");
        Run(artifacts, data, run, config, resume: false);
        return (artifacts, data, run, weights);
    }

    public static TrainingSummary Run(string artifacts, string data, string run, KtoConfig config, bool resume) =>
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = run, Config = config, Threads = 1, Resume = resume }, _ => { }).Run();
}
