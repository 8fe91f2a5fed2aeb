namespace OnnxKto.Data.Readers;

/// <summary>Turns a dataset path (a file, a folder of shards, or a glob such as <c>data/train-*.parquet</c>) into files.</summary>
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
        var name = Path.GetFileName(path);
        if (name.IndexOfAny(['*', '?']) >= 0)
        {
            // Wildcards are matched in the file name only, as in data/train-*.parquet.
            var folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            var matches = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder, name).Where(IsData).Order(StringComparer.Ordinal).ToList()
                : [];
            return matches.Count > 0
                ? matches
                : throw new FileNotFoundException($"No .parquet, .jsonl or .json file matches '{path}' (wildcards work in the file name only).");
        }
        throw new FileNotFoundException($"Dataset '{path}' does not exist: give a .parquet, .jsonl or .json file, a folder of them, or a glob such as data/train-*.parquet.");
    }

    private static bool IsData(string file) => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
}
