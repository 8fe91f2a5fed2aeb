using System.Runtime.InteropServices;
using OnnxKto.Data;
using OnnxKto.Export;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Training.Loop;

/// <summary>
/// A checkpoint with a tensor over 2 GiB, end to end: GPT-2's learned position table with 67,108,865 rows of 8 floats
/// (2 GiB + 32 bytes, past one .NET array) and a tiny everything else, so the test costs file writes, not compute.
/// </summary>
[TestClass]
public sealed class TrainerLargeTensorTests
{
    private const string Wpe = "transformer.wpe.weight";
    private const long Rows = (1L << 31) / 32 + 1;
    private static readonly long[] CheckedRows = [0, 1, 7, 15, Rows - 1];

    /// <summary>
    /// The folder loads with the table mapped, not copied (loading and reading every byte of it raises the peak RSS by
    /// about its size, not twice it); artifacts are made; a run with the table frozen (the forward reads rows of it)
    /// trains two updates with a checkpoint after each; a run resumed from checkpoint-1 repeats checkpoint-2 bit for
    /// bit; and the export writes the table to external ONNX data and safetensors, rows intact.
    /// </summary>
    [TestMethod]
    [DoNotParallelize]  // it measures the process's peak RSS; zero rows are holes in the files it writes
    public void ATensorOverTwoGibLoadsTrainsCheckpointsResumesAndExports()
    {
        using var dir = new TempFolder();
        var model = TinyModels.Gpt2 with { MaxPositions = (int)Rows };
        var folder = dir.File("model");
        var expected = WriteModel(folder, model);

        long before = Rss("VmRSS");
        ResetPeakRss();
        var loaded = ModelSource.Load(folder).Weights[Wpe];
        Assert.IsTrue(loaded.ByteLength > 1L << 31, $"{loaded.ByteLength} bytes");
        Assert.AreEqual(Sum(expected), Sum(loaded), 1e-9, "the rows read back");
        long grown = Rss("VmHWM") - before;
        Assert.IsTrue(grown < loaded.ByteLength * 5 / 4, $"loading {loaded.ByteLength:N0} bytes raised the peak RSS by {grown:N0}");
        loaded = null!;

        var config = new KtoConfig
        {
            Parameters = new ParameterSelection { Frozen = ["wpe"] },
            Schedule = new ScheduleSettings { LearningRate = 2e-2, PerDeviceTrainBatchSize = 8, MaxSteps = 2 },
            Loop = new LoopSettings { LoggingSteps = 1, SaveSteps = 1 },
            Data = new DataOptions { MaxLength = 16, Seed = 5 },
        };
        var artifacts = dir.File("artifacts");
        ArtifactGenerator.Generate(ModelSource.Load(folder), config, artifacts);
        var data = TinyRun.WriteData(dir.File("train.jsonl"), 16);
        var run = dir.File("run");
        Train(artifacts, data, run, config, resume: false);

        var first = TrainingCheckpoint.Open(Path.Combine(run, "checkpoint-1", ArtifactNames.Checkpoint));
        var second = TrainingCheckpoint.Open(Path.Combine(run, "checkpoint-2", ArtifactNames.Checkpoint));
        AssertRows(expected, second.Tensors[Wpe], "checkpoint-2");
        const string trained = "transformer.h.0.attn.c_attn.weight";
        CollectionAssert.AreNotEqual(first.Tensors[trained].ToFloats(), second.Tensors[trained].ToFloats(), "the run trained");
        var small = second.Tensors.Keys.Where(n => n != Wpe).ToDictionary(n => n, n => second.Tensors[n].Bytes.ToArray());

        Directory.Delete(Path.Combine(run, "checkpoint-2"), recursive: true);
        Train(artifacts, data, run, config, resume: true);
        var resumed = TrainingCheckpoint.Open(Path.Combine(run, "checkpoint-2", ArtifactNames.Checkpoint));
        foreach (var (name, bytes) in small) CollectionAssert.AreEqual(bytes, resumed.Tensors[name].Bytes.ToArray(), $"{name} after resuming");
        AssertRows(expected, resumed.Tensors[Wpe], "resumed checkpoint-2");

        var export = dir.File("export");
        ModelExporter.Export(run, export);
        var onnx = OnnxModelFile.Load(Path.Combine(export, ModelFiles.Onnx));
        AssertRows(expected, onnx.Initializers.Single(i => i.Name == Wpe).Data!, "model.onnx.data");
        AssertRows(expected, ModelSource.Load(export).Weights[Wpe], "the export's model.safetensors");
    }

    // The model folder, with the table zero but for the rows the test checks; returns those rows.
    private static Dictionary<long, float[]> WriteModel(string folder, ModelConfig model)
    {
        var parameters = ModelBuilders.For(model).Build().Parameters;
        var weights = TinyModels.RandomWeights(parameters.Where(p => p.Name != Wpe), seed: 1);
        var table = TensorData.Allocate(DataType.Float, [Rows, 8]);
        var rng = new Random(2);
        var rows = new Dictionary<long, float[]>();
        for (long row = 0; row < 16; row++) rows[row] = RandomRow(rng);
        rows[Rows - 1] = RandomRow(rng);
        foreach (var (row, values) in rows) MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(table.Writable(row * 32, 32));
        weights[Wpe] = table;
        TinyRuns.WriteModelFolder(folder, model, weights);
        return rows;
    }

    private static float[] RandomRow(Random rng) => Enumerable.Range(0, 8).Select(_ => (float)(0.1 * (2 * rng.NextDouble() - 1))).ToArray();

    private static void AssertRows(Dictionary<long, float[]> expected, TensorData table, string where)
    {
        CollectionAssert.AreEqual(new[] { Rows, 8L }, table.Dims, where);
        var values = table.As<float>();
        foreach (var row in CheckedRows)
            CollectionAssert.AreEqual(expected[row], values.Slice((int)(row * 8), 8).ToArray(), $"{where}: row {row}");
        Assert.AreEqual(0f, values[(int)(Rows / 2 * 8)], $"{where}: a row never written");
    }

    // Every byte of the table read (each page touched), as a sum over the rows that are not zero.
    private static double Sum(Dictionary<long, float[]> rows) => rows.Values.Sum(r => r.Sum(v => (double)v));

    private static double Sum(TensorData table)
    {
        double sum = 0;
        foreach (var chunk in table.Chunks())
            foreach (var v in MemoryMarshal.Cast<byte, float>(chunk.Span)) sum += v;
        return sum;
    }

    private static TrainingSummary Train(string artifacts, string data, string run, KtoConfig config, bool resume) =>
        new Trainer(new TrainOptions { Artifacts = artifacts, Data = data, Output = run, Config = config, Threads = 1, Resume = resume }, _ => { }).Run();

    // Linux's "5" resets the peak resident set size (VmHWM) to the current one.
    private static void ResetPeakRss() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Rss(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
}
