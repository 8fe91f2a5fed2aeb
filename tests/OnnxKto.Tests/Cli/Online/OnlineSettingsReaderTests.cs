using OnnxKto.Cli.Online;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Online;

[TestClass]
public sealed class OnlineSettingsReaderTests
{
    private const string Config = """
        rounds: 3
        model: preset:gpt2-tiny
        prompts: train.jsonl
        held_out: heldout.jsonl
        num_samples: 6
        temperature: 0.8
        max_new_tokens: 12
        stop: ["\n", "."]
        verifier: python3 check.py
        threshold: 0.5
        reference: initial
        train:
          beta: 0.25
          learning_rate: 1.0e-4
        """;

    [TestMethod]
    public void AFileAndSetAssignmentsAreRead()
    {
        using var dir = new TempFolder();
        var path = dir.WriteText("online.yaml", Config);

        var settings = OnlineSettingsReader.Load(path, ["rounds=4", "train.beta=0.5", "top_p=0.9"]);

        Assert.AreEqual(4, settings.Rounds, "--set wins over the file");
        Assert.AreEqual("preset:gpt2-tiny", settings.Model);
        Assert.AreEqual(6, settings.NumSamples);
        Assert.AreEqual(0.8, settings.Temperature);
        Assert.AreEqual(0.9, settings.TopP);
        CollectionAssert.AreEqual(new[] { "\n", "." }, settings.Stop.ToArray());
        Assert.AreEqual("python3 check.py", settings.Verifier);
        Assert.AreEqual(0.5, settings.Threshold);
        Assert.AreEqual(OnlineReference.Initial, settings.Reference);
        Assert.AreEqual(0.5, settings.Train.Loss.Beta, "train.beta from --set");
        Assert.AreEqual(1e-4, settings.Train.Schedule.LearningRate, "the train: section");
    }

    [TestMethod]
    [DataRow("rounds: three", "'rounds'", "integer")]
    [DataRow("beta: 0.2", "unknown key 'beta'", "under 'train:'")]
    [DataRow("reference: final", "'reference'", "'round' or 'initial'")]
    [DataRow("train:\n  betta: 0.2", "unknown key 'betta'", "'beta'")]
    [DataRow("train: 0.2", "'train'", "mapping")]
    public void BadValuesAreErrorsNamingTheKey(string line, string names, string says)
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => OnlineSettingsReader.Parse(line, "online.yaml"));

        StringAssert.Contains(error.Message, "online.yaml");
        StringAssert.Contains(error.Message, names);
        StringAssert.Contains(error.Message, says);
    }

    [TestMethod]
    [DataRow("", "'model' is required")]
    [DataRow("rounds=0", "'rounds' must be at least 1")]
    [DataRow("exact=answer", "exactly one of the keys 'verifier'")]
    [DataRow("verifier=null", "exactly one of the keys 'verifier'")]
    [DataRow("temperature=0", "'temperature' must be above 0")]
    public void MissingOrConflictingKeysAreRefused(string assignment, string message)
    {
        using var dir = new TempFolder();
        var path = dir.WriteText("online.yaml", Config.Replace("model: preset:gpt2-tiny\n", assignment == "" ? "" : "model: preset:gpt2-tiny\n"));

        var error = Assert.ThrowsExactly<UserError>(() => OnlineSettingsReader.Load(path, assignment == "" ? [] : [assignment]));

        StringAssert.Contains(error.Message, message);
    }
}
