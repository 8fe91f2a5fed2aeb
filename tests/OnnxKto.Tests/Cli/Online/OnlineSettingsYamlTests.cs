using OnnxKto.Cli.Online;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli.Online;

[TestClass]
public sealed class OnlineSettingsYamlTests
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

        var settings = OnlineSettingsYaml.Load(path, ["rounds=4", "train.beta=0.5", "top_p=0.9"]);

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
    public void WrittenSettingsReadBackTheSame()
    {
        var settings = new OnlineSettings
        {
            Rounds = 5, Model = "/models/policy", Prompts = "/data/train.parquet", HeldOut = "/data/held out.jsonl", NumSamples = 3,
            Temperature = 0.7, TopP = 0.95, MaxNewTokens = 17, Stop = ["\n", "###", "'"], Seed = 9, BatchSize = 32, ChatTemplate = "chatml",
            Verifier = "python3 -c 'print(1)'", Threshold = 0.25, Reference = OnlineReference.Initial,
            Train = new OnnxKto.Training.Configuration.KtoConfig() with { Loss = new(OnnxKto.Training.Losses.LossType.Kto, Beta: 0.3, DesirableWeight: null) },
        };
        var defaults = new OnlineSettings();
        var properties = typeof(OnlineSettings).GetProperties().Where(p => p.Name is not ("Exact" or "Regex")).ToList();
        foreach (var p in properties)
            Assert.AreNotEqual(Describe(p.GetValue(defaults)), Describe(p.GetValue(settings)), $"the test sets {p.Name} away from its default");

        var read = OnlineSettingsYaml.Parse(OnlineSettingsYaml.ToYaml(settings), "written");

        foreach (var p in typeof(OnlineSettings).GetProperties())
            Assert.AreEqual(Describe(p.GetValue(settings)), Describe(p.GetValue(read)), p.Name);
        var exact = OnlineSettingsYaml.Parse(OnlineSettingsYaml.ToYaml(settings with { Verifier = null, Threshold = null, Exact = "answer" }), "written");
        Assert.AreEqual("answer", exact.Exact);
        Assert.IsNull(exact.Verifier);
        Assert.IsNull(exact.Threshold);
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        OnnxKto.Training.Configuration.KtoConfig config => OnnxKto.Training.Configuration.KtoConfigWriter.ToYaml(config),
        string text => text,
        IEnumerable<string> texts => string.Join("|", texts),
        var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    [TestMethod]
    [DataRow("rounds: three", "'rounds'", "integer")]
    [DataRow("beta: 0.2", "unknown key 'beta'", "under 'train:'")]
    [DataRow("reference: final", "'reference'", "'round' or 'initial'")]
    [DataRow("train:\n  betta: 0.2", "unknown key 'betta'", "'beta'")]
    [DataRow("train: 0.2", "'train'", "mapping")]
    public void BadValuesAreErrorsNamingTheKey(string line, string names, string says)
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => OnlineSettingsYaml.Parse(line, "online.yaml"));

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

        var error = Assert.ThrowsExactly<UserError>(() => OnlineSettingsYaml.Load(path, assignment == "" ? [] : [assignment]));

        StringAssert.Contains(error.Message, message);
    }
}
