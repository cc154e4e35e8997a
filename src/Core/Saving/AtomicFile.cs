namespace KerasNet.Saving;

/// <summary>Writes a file so that its destination is never half-written: the content goes to a temporary
/// file in the same directory, which is flushed to disk and then moved over the destination in one step. On
/// any failure the temporary file is deleted and the destination is left as it was.</summary>
internal static class AtomicFile
{
    /// <summary>Test hook: called with a stage name ("metadata.json", "config.json", the weights entry,
    /// "commit") while a save is under way on this async flow; a hook that throws simulates a failure mid-write.</summary>
    internal static readonly AsyncLocal<Action<string>?> StageHook = new();

    /// <summary>Reports that <paramref name="stage"/> has been written (see <see cref="StageHook"/>).</summary>
    internal static void Stage(string stage) => StageHook.Value?.Invoke(stage);

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>.</summary>
    public static void Write(string path, bool overwrite, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save to '{path}': the directory '{directory}' does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot save to '{path}': it is a directory.");
        if (!overwrite && File.Exists(full))
            throw new IOException($"Cannot save to '{path}': the file exists and overwrite is false.");
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            Stage("commit");
            File.Move(temp, full, overwrite);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
