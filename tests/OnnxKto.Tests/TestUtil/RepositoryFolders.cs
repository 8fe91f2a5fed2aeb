namespace OnnxKto.Tests.TestUtil;

/// <summary>Folders of the repository the tests run from, for tests that read its sources and scripts.</summary>
public static class RepositoryFolders
{
    /// <summary>The folder holding <c>OnnxKto.sln</c>, found above the test binaries.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnnxKto.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OnnxKto.sln not found above " + AppContext.BaseDirectory);
    }
}
