using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Architecture;

[TestClass]
public sealed class DependencyFloorsTests
{
    [TestMethod]
    public void NoSourceFileUsesAHigherFloorOrASibling()
    {
        var violations = RepoPaths.CSharpFiles("src")
            .SelectMany(f => DependencyFloors.Violations(Path.GetRelativePath(RepoPaths.Root, f), File.ReadAllText(f)))
            .ToList();
        Assert.AreEqual(0, violations.Count, "floor violations:\n" + string.Join("\n", violations));
    }

    [TestMethod]
    public void EveryRoomInTheSourcesHasAFloor()
    {
        var rooms = Directory.EnumerateDirectories(Path.Combine(RepoPaths.Root, "src", "OnnxKto"))
            .Select(Path.GetFileName).Where(d => d is not ("bin" or "obj" or "bin-gpu" or "obj-gpu")).Append("Cli");
        foreach (var room in rooms)
            Assert.IsTrue(DependencyFloors.Floor.ContainsKey(room!), $"src/OnnxKto/{room} has no floor in docs/DESIGN.md's table");
    }

    [TestMethod]
    [DataRow("namespace OnnxKto.Runtime;\nusing OnnxKto.Training.Session;", "Runtime (floor 4) uses Training (floor 5)")]
    [DataRow("namespace OnnxKto.Generation;\nvar f = OnnxKto.Export.ModelExporter.Export(x, y);", "Generation (floor 6) uses Export (floor 6)")]
    [DataRow("namespace OnnxKto.Models.Scoring;\nusing OnnxKto.Autodiff;", "Models (floor 2) uses Autodiff (floor 2)")]
    [DataRow("namespace OnnxKto.Training.Loop;\nusing Microsoft.ML.OnnxRuntime;", "Training uses ONNX Runtime directly")]
    [DataRow("namespace OnnxKto.Kitchen;\n", "room 'Kitchen' has no floor")]
    public void AnUpwardSidewaysOrOrtReferenceIsReported(string source, string expected)
    {
        var violations = DependencyFloors.Violations("X.cs", source).ToList();
        Assert.AreEqual(1, violations.Count, string.Join("\n", violations));
        StringAssert.Contains(violations[0], expected);
    }

    [TestMethod]
    [DataRow("namespace OnnxKto.Training.Loop;\nusing OnnxKto.Training.Session;\nusing OnnxKto.Runtime;\nusing OnnxKto.Graphs;")]
    [DataRow("namespace OnnxKto.Cli.Commands;\nusing OnnxKto.Export;\nusing OnnxKto.Generation;")]
    [DataRow("namespace OnnxKto.Runtime;\nusing Microsoft.ML.OnnxRuntime;\nusing OnnxKto.Graphs;")]
    public void OwnAndLowerFloorsAreAllowed(string source) =>
        Assert.AreEqual(0, DependencyFloors.Violations("X.cs", source).Count());
}
