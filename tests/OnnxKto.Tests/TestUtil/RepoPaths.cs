namespace OnnxKto.Tests.TestUtil;

/// <summary>Paths in the checkout the tests run from (found by walking up to <c>OnnxKto.sln</c>).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every C# source file under <paramref name="relativeFolder"/>, build outputs excluded.</summary>
    public static IEnumerable<string> CSharpFiles(string relativeFolder) =>
        Directory.EnumerateFiles(Path.Combine(Root, relativeFolder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "bin-gpu" or "obj-gpu"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnnxKto.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OnnxKto.sln not found above " + AppContext.BaseDirectory);
    }
}
