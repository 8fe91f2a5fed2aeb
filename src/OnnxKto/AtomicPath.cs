namespace OnnxKto;

/// <summary>
/// Write-to-temporary-then-rename, the one way every floor writes a file or folder that a crash must not leave half
/// written: the content is made under <c>PATH.tmp</c> and renamed over <c>PATH</c> only once complete, so a reader
/// sees the old one or the new one, never a torn one.
/// </summary>
public static class AtomicPath
{
    /// <summary>The temporary name <see cref="Write"/> makes <paramref name="path"/> under.</summary>
    public static string Temporary(string path) => path + ".tmp";

    /// <summary>
    /// Makes <paramref name="path"/> with <paramref name="make"/>, which writes a file or a folder at the path it is
    /// given, then renames that over <paramref name="path"/> (replacing an existing file or folder). A stale temporary
    /// is removed first; a failure removes the temporary and rethrows.
    /// </summary>
    /// <param name="path">The file or folder to make.</param>
    /// <param name="make">Writes the content at the temporary path it is handed.</param>
    public static void Write(string path, Action<string> make)
    {
        var temporary = Temporary(path);
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null) Directory.CreateDirectory(parent);
        Delete(temporary);
        try
        {
            make(temporary);
            if (Directory.Exists(temporary))
            {
                Delete(path);
                Directory.Move(temporary, path);
            }
            else File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            Delete(temporary);
            throw;
        }
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
