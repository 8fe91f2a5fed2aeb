using System.Text.RegularExpressions;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Architecture;

/// <summary>The source tree's shape: namespaces say where a type lives on disk.</summary>
[TestClass]
public sealed class SourceLayoutTests
{
    /// <summary>
    /// Every file's namespace is its project's root namespace plus its folder path
    /// (<c>src/OnnxKto/Graphs/Serialization/OnnxModelFile.cs</c> → <c>OnnxKto.Graphs.Serialization</c>).
    /// Only a file of top-level statements (the CLI's Program.cs) may declare none.
    /// </summary>
    [TestMethod]
    [DataRow("src/OnnxKto", "OnnxKto")]
    [DataRow("src/OnnxKto.Cli", "OnnxKto.Cli")]
    public void NamespacesMatchFolders(string project, string rootNamespace)
    {
        var root = Path.Combine(RepoPaths.Root, project);
        var files = RepoPaths.CSharpFiles(project).ToList();
        Assert.IsTrue(files.Count > 5, $"found only {files.Count} files under {root}");
        var wrong = new List<string>();
        foreach (var file in files)
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(root, file))!;
            var expected = string.Join('.', new[] { rootNamespace }.Concat(folder.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)));
            var declared = Regex.Matches(File.ReadAllText(file), @"^namespace\s+([\w.]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            if (declared.Count == 0 && Path.GetFileName(file) == "Program.cs" && folder.Length == 0) continue;
            if (declared.Count != 1 || declared[0] != expected)
                wrong.Add($"{Path.GetRelativePath(root, file)}: namespace {(declared.Count == 0 ? "(none)" : string.Join(", ", declared))}, expected {expected}");
        }
        Assert.AreEqual(0, wrong.Count, "move the file or change its namespace:\n" + string.Join("\n", wrong));
    }
}
