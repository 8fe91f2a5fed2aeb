using System.Text.RegularExpressions;

namespace OnnxKto.Tests.Architecture;

/// <summary>
/// The floors of docs/DESIGN.md: Graphs | Collectives → Autodiff | Models → Data → Runtime → Training → Export | Generation → Serving → Cli.
/// A room (the namespace segment after <c>OnnxKto.</c>) may use its own namespaces and any lower floor's, never a
/// higher floor's nor a sibling's on the same floor; only Runtime touches ONNX Runtime.
/// </summary>
internal static partial class DependencyFloors
{
    /// <summary>Floor of each room; the root namespace <c>OnnxKto</c> (shared exception types) is the ground.</summary>
    public static readonly IReadOnlyDictionary<string, int> Floor = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [""] = 0,
        ["Graphs"] = 1, ["Collectives"] = 1,
        ["Autodiff"] = 2, ["Models"] = 2,
        ["Data"] = 3,
        ["Runtime"] = 4,
        ["Training"] = 5,
        ["Export"] = 6, ["Generation"] = 6,
        ["Serving"] = 7,
        ["Cli"] = 8,
    };

    /// <summary>The room allowed to reference ONNX Runtime's managed API.</summary>
    public const string OrtRoom = "Runtime";

    /// <summary>Rule breaks in one source file, each naming the file, the line and the room it reaches.</summary>
    public static IEnumerable<string> Violations(string file, string source)
    {
        var own = NamespaceOf().Match(source) is { Success: true } m ? RoomOf(m.Groups[1].Value) : null;
        if (own is null) yield break;
        if (!Floor.ContainsKey(own))
        {
            yield return $"{file}: room '{own}' has no floor; add it to docs/DESIGN.md and {nameof(DependencyFloors)}.{nameof(Floor)}";
            yield break;
        }
        var lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (Match reference in Reference().Matches(lines[i]))
            {
                var room = RoomOf(reference.Groups[1].Value);
                if (room == own) continue;
                if (!Floor.TryGetValue(room, out var floor))
                    yield return $"{file}:{i + 1}: '{reference.Value}' names room '{room}', which has no floor";
                else if (floor >= Floor[own])
                    yield return $"{file}:{i + 1}: {own} (floor {Floor[own]}) uses {room} (floor {floor}): '{lines[i].Trim()}'";
            }
            if (own != OrtRoom && OrtReference().IsMatch(lines[i]))
                yield return $"{file}:{i + 1}: {own} uses ONNX Runtime directly; only {OrtRoom} may: '{lines[i].Trim()}'";
        }
    }

    // "OnnxKto.Training.Loop" → "Training"; "OnnxKto" → "".
    private static string RoomOf(string ns)
    {
        var parts = ns.Split('.');
        return parts.Length > 1 ? parts[1] : "";
    }

    [GeneratedRegex(@"^\s*namespace\s+(OnnxKto(?:\.\w+)*)", RegexOptions.Multiline)]
    private static partial Regex NamespaceOf();

    // using lines and qualified names alike: "using OnnxKto.Export;", "OnnxKto.Training.Artifacts.ArtifactManifest.Load".
    [GeneratedRegex(@"(?<![\w.])(OnnxKto\.\w+)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"(?<![\w.])Microsoft\.ML\.OnnxRuntime(?!GenAI)")]
    private static partial Regex OrtReference();
}
