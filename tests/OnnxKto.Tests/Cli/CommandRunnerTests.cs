using System.CommandLine;
using OnnxKto.Cli.Commands;

namespace OnnxKto.Tests.Cli;

/// <summary>What a failing command prints: one line for a user error, a pointer to --verbose for a bug, the trace with it.</summary>
[TestClass]
public sealed class CommandRunnerTests
{
    [TestMethod]
    public void UserErrorIsItsMessageAndHintWithoutATrace()
    {
        var (code, lines) = Run(() => throw new UserError("max_length must be positive, got 0.", "set max_length in kto.yaml"), "fail");
        Assert.AreEqual(1, code);
        CollectionAssert.AreEqual(new[] { "error: max_length must be positive, got 0.", "hint: set max_length in kto.yaml" }, lines);
    }

    [TestMethod]
    public void BadFileContentIsOneLine()
    {
        var (code, lines) = Run(() => throw new InvalidDataException("data.jsonl, line 2: no 'label'."), "fail");
        Assert.AreEqual(1, code);
        CollectionAssert.AreEqual(new[] { "error: data.jsonl, line 2: no 'label'." }, lines);
    }

    [TestMethod]
    public void BugSaysToRerunWithVerboseAndHidesTheTrace()
    {
        var (code, lines) = Run(Bug, "fail");
        Assert.AreEqual(1, code);
        Assert.AreEqual(2, lines.Length, string.Join("\n", lines));
        StringAssert.StartsWith(lines[0], "error: ");
        StringAssert.Contains(lines[0], nameof(NullReferenceException));
        StringAssert.Contains(lines[1], "--verbose");
        Assert.IsFalse(lines.Any(l => l.TrimStart().StartsWith("at ")), "no stack trace without --verbose");
    }

    [TestMethod]
    [DataRow("--verbose")]
    [DataRow("-v")]
    public void VerbosePrintsTheTraceOfABug(string flag)
    {
        var (code, lines) = Run(Bug, "fail", flag);
        Assert.AreEqual(1, code);
        StringAssert.Contains(lines[0], nameof(NullReferenceException));
        Assert.IsTrue(lines.Any(l => l.TrimStart().StartsWith("at ") && l.Contains(nameof(Bug))), string.Join("\n", lines));
        Assert.IsFalse(lines.Any(l => l.Contains("rerun")), "the trace replaces the advice to rerun");
    }

    [TestMethod]
    public void ASuccessfulCommandPrintsNoError()
    {
        var (code, lines) = Run(() => { }, "fail", "-v");
        Assert.AreEqual(0, code);
        Assert.AreEqual(0, lines.Length);
    }

    private static void Bug()
    {
        string? missing = null;
        _ = missing!.Length;
    }

    private static (int Code, string[] Lines) Run(Action action, params string[] args)
    {
        var command = new Command("fail");
        command.SetAction(_ => { action(); return 0; });
        var root = new RootCommand { command };
        using var error = new StringWriter();
        int code = CommandRunner.Invoke(root, args, error);
        return (code, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
