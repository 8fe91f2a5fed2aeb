using System.Diagnostics;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Tests.Cli;

/// <summary><c>--config</c> and <c>--set key=value</c> on the artifacts, train and data inspect verbs, run as a user runs them.</summary>
[TestClass]
public sealed class ConfigOptionsTests
{
    [TestMethod]
    public void ArtifactsBakeTheSetValueOverTheFile()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var config = dir.WriteText("kto.yaml", "beta: 0.2\nmax_length: 16\n");
        var (code, _, error) = Run("artifacts", "--model", model, "--config", config, "--set", "beta=0.3", "--set", "frozen=[wpe]", "--out", dir.File("artifacts"));
        Assert.AreEqual(0, code, error);
        var baked = ArtifactManifest.Load(dir.File("artifacts")).Config;
        Assert.AreEqual(0.3, baked.Loss.Beta, "--set wins over the file");
        Assert.AreEqual(16, baked.Data.MaxLength, "the file wins over the defaults");
        CollectionAssert.AreEqual(new[] { "wpe" }, baked.Parameters.Frozen.ToArray());
    }

    [TestMethod]
    public void TrainSetsOverTheArtifactsConfigAndRefusesBakedChanges()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var config = dir.WriteText("kto.yaml", "per_device_train_batch_size: 4\nmax_steps: 3\nlogging_steps: 1\nmax_length: 16\n");
        Assert.AreEqual(0, Run("artifacts", "--model", model, "--config", config, "--out", dir.File("artifacts")).Code);
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 12);

        var (code, output, error) = Run("train", "--artifacts", dir.File("artifacts"), "--data", data, "--output", dir.File("run"),
            "--threads", "1", "--set", "max_steps=2");
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "step 2/2");

        var refused = Run("train", "--artifacts", dir.File("artifacts"), "--data", data, "--output", dir.File("other"),
            "--set", "beta=0.5", "--set", "optim=sgd", "--set", "learning_rate=0.1");
        Assert.AreEqual(1, refused.Code);
        StringAssert.Contains(refused.Error, "beta: config 0.5, artifacts 0.1");
        StringAssert.Contains(refused.Error, "optim: config sgd, artifacts adamw_torch");
        Assert.IsFalse(refused.Error.Contains("learning_rate"), "the learning rate is not baked into the graphs");
    }

    [TestMethod]
    public void DataInspectTakesItsLimitsFromTheConfig()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var data = TinyRun.WriteData(dir.File("d.jsonl"), 12); // every row: 2 prompt + 2 completion tokens
        StringAssert.Contains(Run("data", "inspect", data, "--model", model).Output, "max_length 1024, max_prompt_length none: would drop 0, cut 0");
        StringAssert.Contains(Run("data", "inspect", data, "--model", model, "--set", "max_length=3").Output, "max_length 3, max_prompt_length none: would drop 0, cut 12");
        var file = dir.WriteText("kto.yaml", "max_length: 2\n");
        StringAssert.Contains(Run("data", "inspect", data, "--model", model, "--config", file).Output, "max_length 2, max_prompt_length none: would drop 12, cut 0");
    }

    [TestMethod]
    public void ABadSetValueIsOneErrorLineNamingTheKey()
    {
        using var dir = new TempFolder();
        var (code, _, error) = Run("data", "inspect", TinyRun.WriteData(dir.File("d.jsonl"), 4), "--set", "max_length=abc");
        Assert.AreEqual(1, code);
        Assert.AreEqual("error: --set: 'max_length' must be an integer, got 'abc'.", error.Trim());
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
