using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Tests.Training.Configuration;

/// <summary><c>--set key=value</c>, read by <see cref="KtoConfigReader.ApplyAssignments"/>.</summary>
[TestClass]
public sealed class KtoConfigAssignmentsTests
{
    [TestMethod]
    public void AssignmentsApplyOverTheFileInOrder()
    {
        var file = KtoConfigReader.Parse("beta: 0.2\nmax_length: 64\nfrozen: [wte]\nmax_prompt_length: 16", "kto.yaml").Config;
        var (c, notes) = KtoConfigReader.ApplyAssignments(file,
            ["beta=0.3", "frozen=[wte, wpe]", "max_prompt_length=null", "lr_scheduler_type=cosine", "optim_args=momentum=0.9", "beta = 0.4", "tf32=true", "bf16=true"]);
        Assert.AreEqual(0.4, c.Loss.Beta, "the last assignment wins");
        Assert.AreEqual(64, c.Data.MaxLength, "the file's value stays where nothing is set");
        CollectionAssert.AreEqual(new[] { "wte", "wpe" }, c.Parameters.Frozen.ToArray());
        Assert.IsNull(c.Data.MaxPromptLength);
        Assert.AreEqual(LearningRateSchedulerType.Cosine, c.Schedule.LrSchedulerType);
        Assert.AreEqual(0.9, c.Optimizer.Momentum);
        Assert.AreEqual("--set: 'tf32' does not apply to OnnxKto and is ignored.", notes.Single());
        Assert.IsTrue(c.Precision.Bf16, "bf16 is a key of its own");
    }

    [TestMethod]
    [DataRow("max_length=abc", "--set: 'max_length' must be an integer, got 'abc'.")]
    [DataRow("max_length=0", "--set: 'max_length' must be positive, got 0.")]
    [DataRow("beta=high", "--set: 'beta' must be a number, got 'high'.")]
    [DataRow("loss_type=ipo", "--set: 'loss_type' must be one of kto, apo_zero_unpaired, sft, dpo, bco, got 'ipo'.")]
    [DataRow("precompute_ref_log_probs=maybe", "--set: 'precompute_ref_log_probs' must be true or false, got 'maybe'.")]
    [DataRow("frozen=[a, \"(\"]", "--set: 'frozen' pattern '(' is not a valid regular expression")]
    public void WrongTypesNameTheKeyAsInAFile(string assignment, string message)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.ApplyAssignments(new KtoConfig(), [assignment]));
        StringAssert.StartsWith(e.Message, message);
        var key = assignment[..assignment.IndexOf('=')];
        var inFile = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.Parse($"{key}: {assignment[(key.Length + 1)..]}", "kto.yaml"));
        Assert.AreEqual(e.Message, inFile.Message.Replace("kto.yaml: ", "--set: ").Replace(" (line 1)", ""), "a file gives the same message (with its line)");
    }

    [TestMethod]
    [DataRow("betta=0.1", "--set: unknown key 'betta'. Did you mean 'beta'?")]
    [DataRow("beta", "--set: expected key=value (e.g. --set beta=0.2), got 'beta'.")]
    [DataRow("=1", "--set: expected key=value")]
    public void MalformedAssignmentsSayHowToFixThem(string assignment, string message)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => KtoConfigReader.ApplyAssignments(new KtoConfig(), [assignment]));
        StringAssert.StartsWith(e.Message, message);
    }
}
