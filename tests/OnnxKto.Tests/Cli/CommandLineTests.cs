using System.Diagnostics;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli;

/// <summary>The onnx-kto executable itself, run as a user runs it.</summary>
[TestClass]
public sealed class CommandLineTests
{
    [TestMethod]
    public void HelpListsEverySubcommand()
    {
        var (code, output, _) = Run("--help");
        Assert.AreEqual(0, code);
        foreach (var command in new[] { "artifacts", "train", "export", "generate", "label", "logps", "data", "demo", "device", "gradients" })
            StringAssert.Contains(output, command);
    }

    [TestMethod]
    public void BadInputIsOneErrorLineAndExitCodeOne()
    {
        using var dir = new TempFolder();
        var data = dir.WriteText("bad.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\", \"label\": true}\n{\"prompt\": \"c\", \"label\": false}\n");
        var (code, _, error) = Run("data", "inspect", data);
        Assert.AreEqual(1, code);
        var lines = error.Trim().Split('\n');
        Assert.AreEqual(1, lines.Length, error);
        StringAssert.StartsWith(lines[0], "error: ");
        StringAssert.Contains(lines[0], "bad.jsonl");
        StringAssert.Contains(lines[0], "line 2");
    }

    [TestMethod]
    public void BadOptionValueIsOneErrorLineWithoutATrace()
    {
        var (code, _, error) = Run("device", "--device", "tpu");
        Assert.AreEqual(1, code);
        var lines = error.Trim().Split('\n');
        Assert.AreEqual(1, lines.Length, error);
        StringAssert.StartsWith(lines[0], "error: Unknown device 'tpu'");
    }

    [TestMethod]
    public void VerboseAddsTheStackTrace()
    {
        var (code, _, error) = Run("device", "--device", "tpu", "-v");
        Assert.AreEqual(1, code);
        StringAssert.StartsWith(error, "error: Unknown device 'tpu'");
        StringAssert.Contains(error, "at OnnxKto.Runtime.ExecutionDevice.Parse");
    }

    [TestMethod]
    public void DataInspectPrintsOneFindingPerLineWhenRedirected()
    {
        using var dir = new TempFolder();
        var data = dir.WriteText("d.jsonl", "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n" +
            "{\"prompt\": \"d\", \"chosen\": \"e\", \"rejected\": \"f\"}\n");
        var (code, output, error) = Run("data", "inspect", data);
        Assert.AreEqual(0, code, error);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        foreach (var expected in new[] { "rows read: 2", "pairs unpaired: 2", "examples: 4", "labels: 2 desirable, 2 undesirable" })
            CollectionAssert.Contains(lines, expected, output);
        Assert.IsFalse(output.Contains('│'), "no table drawing when redirected");
    }

    [TestMethod]
    public void DataUnpairWritesToDashOOrToTheOutArgument()
    {
        using var dir = new TempFolder();
        var pairs = dir.WriteText("pairs.jsonl", "{\"prompt\": \"p\", \"chosen\": \"good\", \"rejected\": \"bad\"}\n");
        var (code, output, error) = Run("data", "unpair", pairs, "-o", dir.File("a.jsonl"));
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "2 rows from 1 read");
        Assert.AreEqual(0, Run("data", "unpair", pairs, dir.File("b.jsonl")).Code);
        var rows = File.ReadAllLines(dir.File("a.jsonl"));
        Assert.AreEqual(2, rows.Length);
        CollectionAssert.AreEquivalent(new[] { "{\"prompt\":\"p\",\"completion\":\"good\",\"label\":true}", "{\"prompt\":\"p\",\"completion\":\"bad\",\"label\":false}" }, rows);
        CollectionAssert.AreEqual(rows, File.ReadAllLines(dir.File("b.jsonl")));

        var neither = Run("data", "unpair", pairs);
        Assert.AreEqual(1, neither.Code);
        StringAssert.StartsWith(neither.Error, "error: data unpair needs the file to write: -o/--out");
        var both = Run("data", "unpair", pairs, dir.File("c.jsonl"), "--out", dir.File("d.jsonl"));
        Assert.AreEqual(1, both.Code);
        StringAssert.Contains(both.Error, "give one");
    }

    [TestMethod]
    public void ArtifactsTrainAndExportRunFromTheCommandLine()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var config = dir.WriteText("kto.yaml", "learning_rate: 1.0e-3\nper_device_train_batch_size: 4\nmax_steps: 3\nlogging_steps: 1\nmax_length: 16\n");
        Assert.AreEqual(0, Run("artifacts", "--model", model, "--config", config, "--out", dir.File("artifacts")).Code);
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 12);
        var (code, output, error) = Run("train", "--artifacts", dir.File("artifacts"), "--data", data, "--output", dir.File("run"), "--threads", "1");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "step 3/3");
        Assert.AreEqual(0, Run("export", "--checkpoint", dir.File("run"), "--out", dir.File("exported")).Code);
        Assert.IsTrue(File.Exists(dir.File("exported/model.onnx")));
        // A second train into the same folder is refused and leaves the run alone.
        var again = Run("train", "--artifacts", dir.File("artifacts"), "--data", data, "--output", dir.File("run"));
        Assert.AreEqual(1, again.Code);
        StringAssert.Contains(again.Error, "--resume");
    }

    [TestMethod]
    public void ExportWithGenAiAdaptersOfAFullRunIsOneErrorLine()
    {
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, TinyModels.Gpt2, 1);
        var (code, _, error) = Run("export", "--checkpoint", run, "--out", dir.File("out"), "--adapters", "genai");
        Assert.AreEqual(1, code);
        StringAssert.StartsWith(error, "error: ");
        StringAssert.Contains(error, "no LoRA adapter to serve with --adapters genai");
        Assert.AreEqual(1, Run("export", "--checkpoint", run, "--out", dir.File("out"), "--adapters", "onnx").Code);
    }

    [TestMethod]
    public void GenerateSamplesEveryRowAndLabelTurnsTheSamplesIntoAKtoDataset()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var prompts = dir.WriteText("prompts.jsonl", "{\"prompt\": \"ab\", \"answer\": \"x\"}\n{\"prompt\": \"ab\", \"answer\": \"y\"}\n{\"prompt\": \"c\", \"answer\": \"z\"}\n");

        var (code, output, error) = Run("generate", "--model", model, "--data", prompts, "--out", dir.File("samples.jsonl"),
            "--num-samples", "2", "--temperature", "1", "--max-new-tokens", "4", "--stop", "zz");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "6 completions (3 rows x 2)");
        var lines = File.ReadAllLines(dir.File("samples.jsonl"));
        Assert.AreEqual(6, lines.Length);
        StringAssert.Contains(lines[3], "\"answer\":\"y\"");
        StringAssert.EndsWith(lines[3], "\"sample\":1}");

        (code, output, error) = Run("label", "--data", dir.File("samples.jsonl"), "--out", dir.File("kto.jsonl"), "--regex", "^$");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "6 rows");
        StringAssert.Contains(output, "λ_D·n_D/(λ_U·n_U)");
        Assert.AreEqual(6, File.ReadAllLines(dir.File("kto.jsonl")).Length);
        var neither = Run("label", "--data", dir.File("samples.jsonl"), "--out", dir.File("other.jsonl"));
        Assert.AreEqual(1, neither.Code);
        StringAssert.Contains(neither.Error, "exactly one of --verifier");
    }

    [TestMethod]
    public void GradientsLooksUpValuesByName()
    {
        using var dir = new TempFolder();
        var g = new Graph("forward");
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape(3));
        var c = b.Exp(x);
        b.Output(b.Op("ReduceSum", [b.Mul(x, c)], ("keepdims", 0L)), "loss");
        b.Output(c, "c");
        OnnxModelFile.Save(g, dir.File("forward.onnx"));

        var (code, _, error) = Run("gradients", "--model", dir.File("forward.onnx"), "--loss", "loss", "--wrt", "x", "--stop", "c", "--out", dir.File("backward.onnx"));
        Assert.AreEqual(0, code, error);
        var backward = OnnxModelFile.Load(dir.File("backward.onnx"));
        CollectionAssert.Contains(backward.Outputs.Select(o => o.Name).ToList(), "x_grad");
        using var session = new OnnxSession(backward, optimize: false);
        float[] at = [0.5f, -1, 2];
        var grad = session.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([3], at) })["x_grad"].ToFloats();
        for (int i = 0; i < 3; i++) Assert.AreEqual(MathF.Exp(at[i]), grad[i], 1e-5f, "c stopped: d/dx Σ x·c = c");

        var missing = Run("gradients", "--model", dir.File("forward.onnx"), "--loss", "loss", "--wrt", "y", "--out", dir.File("other.onnx"));
        Assert.AreEqual(1, missing.Code);
        StringAssert.Contains(missing.Error, "--wrt 'y'");
        StringAssert.Contains(missing.Error, "inputs: x");
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "onnx-kto.dll"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
