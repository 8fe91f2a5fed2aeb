using System.CommandLine;
using OnnxKto.Cli.Commands;

namespace OnnxKto.Tests.Cli;

/// <summary>The option spellings of every verb: one way to say where to write, and no alias used twice.</summary>
[TestClass]
public sealed class OnnxKtoCommandTests
{
    private static readonly string[] WritingVerbs = ["artifacts", "train", "export", "generate", "label", "online", "logps", "data unpair", "data render", "data feedback", "demo", "gradients"];

    private static IEnumerable<(string Path, Command Command)> Verbs(Command command, string path = "")
    {
        foreach (var sub in command.Subcommands)
        {
            var name = (path + " " + sub.Name).Trim();
            if (sub.Subcommands.Count == 0) yield return (name, sub);
            foreach (var deeper in Verbs(sub, name)) yield return deeper;
        }
    }

    [TestMethod]
    public void EveryVerbThatWritesTakesDashOOutAndOutput()
    {
        var verbs = Verbs(OnnxKtoCommand.Create()).ToDictionary(v => v.Path, v => v.Command);
        foreach (var verb in WritingVerbs)
        {
            var option = verbs[verb].Options.SingleOrDefault(o => o.Name == "--out");
            Assert.IsNotNull(option, $"{verb} has no --out");
            CollectionAssert.AreEquivalent(new[] { "-o", "--output" }, option.Aliases.ToArray(), verb);
        }
        Assert.IsFalse(verbs.Where(v => !WritingVerbs.Contains(v.Key)).Any(v => v.Value.Options.Any(o => o.Name == "--out")),
            "the list above names every verb with --out");
    }

    [TestMethod]
    public void NoVerbUsesAnOptionNameTwice()
    {
        var root = OnnxKtoCommand.Create();
        CommandRunner.Invoke(root, ["--help"], TextWriter.Null); // adds the global -v/--verbose
        var global = root.Options.Where(o => o.Recursive).SelectMany(o => o.Aliases.Append(o.Name)).ToList();
        CollectionAssert.Contains(global, "-v");
        foreach (var (path, command) in Verbs(root))
        {
            var names = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(global).ToList();
            var repeated = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.AreEqual(0, repeated.Count, $"{path}: {string.Join(", ", repeated)}");
        }
    }

    [TestMethod]
    [DataRow("-o")]
    [DataRow("--out")]
    [DataRow("--output")]
    public void TrainReadsTheRunFolderFromEachSpelling(string spelling)
    {
        var parse = TrainCommand.Create().Parse(["-a", "artifacts/x", "-d", "data.jsonl", "-c", "kto.yaml", spelling, "runs/r"]);
        Assert.AreEqual(0, parse.Errors.Count, string.Join("; ", parse.Errors.Select(e => e.Message)));
        Assert.AreEqual("r", parse.GetValue<DirectoryInfo>("--out")!.Name);
        Assert.AreEqual("x", parse.GetValue<DirectoryInfo>("--artifacts")!.Name);
        Assert.AreEqual("data.jsonl", parse.GetValue<string>("--data"));
        Assert.AreEqual("kto.yaml", parse.GetValue<FileInfo>("--config")!.Name);
    }
}
