using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace OnnxKto.Data.Readers;

/// <summary>
/// Turns a dataset path into files: a file, a folder of shards (its own files, not its subfolders), or a glob in which
/// <c>*</c> matches within one file or folder name and <c>**</c> any number of folders, as in
/// <c>data/train-*.parquet</c> or <c>data/**/train-*.parquet</c>. Files come in ordinal path order, so shards read in order.
/// </summary>
internal static class DataFiles
{
    private static readonly string[] Extensions = [".parquet", ".jsonl", ".json"];

    public static IReadOnlyList<string> Expand(string path)
    {
        if (File.Exists(path)) return [path];
        if (Directory.Exists(path))
        {
            var shards = Directory.EnumerateFiles(path).Where(IsData).Order(StringComparer.Ordinal).ToList();
            return shards.Count > 0
                ? shards
                : throw new FileNotFoundException($"Folder '{path}' holds no .parquet, .jsonl or .json files.");
        }
        int wildcard = path.IndexOf('*');
        if (wildcard >= 0) return Glob(path, wildcard);
        throw new FileNotFoundException($"Dataset '{path}' does not exist: give a .parquet, .jsonl or .json file, a folder of them, or a glob such as data/train-*.parquet or data/**/*.jsonl.");
    }

    /// <summary>The data files matching <paramref name="path"/>, searched from the folder before its first wildcard.</summary>
    private static List<string> Glob(string path, int wildcard)
    {
        // data/**/train-*.parquet: the search starts in data/, and the rest is the pattern.
        int separator = path.LastIndexOfAny(['/', '\\'], wildcard);
        string root = separator < 0 ? "" : path[..Math.Max(separator, 1)], pattern = path[(separator + 1)..];
        var matcher = new Matcher(OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        matcher.AddInclude(pattern);
        var folder = root.Length > 0 ? root : ".";
        var matches = Directory.Exists(folder)
            ? matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(folder))).Files
                .Select(match => root.Length > 0 ? Path.Combine(root, match.Path) : match.Path)
                .Where(IsData).Order(StringComparer.Ordinal).ToList()
            : [];
        return matches.Count > 0
            ? matches
            : throw new FileNotFoundException(
                $"No .parquet, .jsonl or .json file matches '{path}'{(Directory.Exists(folder) ? "" : $" (folder '{folder}' does not exist)")}. " +
                "In a glob, * matches within one name and ** any number of folders, e.g. data/**/train-*.parquet.");
    }

    private static bool IsData(string file) => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
}
