namespace RmmEdge.Rig;

/// <summary>
/// The files a user names on the command line. Inputs must exist and be files, and are read within a
/// stated size bound. Outputs are checked before any work (their folder exists, they are not a folder),
/// then written under a hidden temporary name in the same folder and renamed, so a failure or an
/// interruption never leaves half a file under the real name, never touches another file of the user's,
/// and the message names the real file.
/// </summary>
public static class UserFiles
{
    /// <summary>Throws a <see cref="UserError"/> unless <paramref name="path"/> is an existing file.</summary>
    public static void RequireInput(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UserError($"{path}: is a folder, expected a file");
        }

        if (!File.Exists(path))
        {
            throw new UserError($"{path}: no such file");
        }
    }

    /// <summary>The whole file, refused with a reason when it is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        RequireSize(path, maxBytes, what);
        return File.ReadAllBytes(path);
    }

    /// <summary>The whole file as text, refused with a reason when it is larger than <paramref name="maxBytes"/>.</summary>
    public static string ReadAllText(string path, long maxBytes, string what)
    {
        RequireSize(path, maxBytes, what);
        return File.ReadAllText(path);
    }

    /// <summary>Checks that <paramref name="path"/> can be written: its folder exists and it is not a folder itself.</summary>
    public static void CheckOutput(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UserError("an output file name is empty");
        }

        if (Directory.Exists(path))
        {
            throw new UserError($"{path}: is a folder, expected a file name to write");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new UserError($"{path}: folder {folder} does not exist");
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through a temporary file in the same folder, renamed at the end;
    /// any failure deletes the temporary file and names <paramref name="path"/>.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        using var file = new AtomicFile(path);
        try
        {
            write(file.Stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{path}: cannot write ({e.Message})", e);
        }

        file.Commit();
    }

    public static void WriteAtomically(string path, byte[] bytes) => WriteAtomically(path, stream => stream.Write(bytes));

    public static void WriteAtomically(string path, string text) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(text);
        });

    private static void RequireSize(string path, long maxBytes, string what)
    {
        RequireInput(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
        {
            throw new UserError($"{path}: {length:N0} bytes; {what} is at most {maxBytes:N0} bytes");
        }
    }

}

/// <summary>
/// A file being written under a hidden temporary name beside its real one (checked first with
/// <see cref="UserFiles.CheckOutput"/>). <see cref="Commit"/> renames it into place; disposing it
/// uncommitted deletes it, so the real file is either the old one or the complete new one.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string _path, _full, _temp;
    private bool _committed;

    public AtomicFile(string path)
    {
        UserFiles.CheckOutput(path);
        _path = path;
        _full = Path.GetFullPath(path);
        _temp = Path.Combine(Path.GetDirectoryName(_full)!, $".{Path.GetFileName(_full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{path}: cannot write ({e.Message})", e);
        }
    }

    /// <summary>Where the content goes (a writer on it may be disposed before <see cref="Commit"/>).</summary>
    public Stream Stream { get; }

    /// <summary>Closes the temporary file and renames it to the real name, replacing any older file.</summary>
    public void Commit()
    {
        try
        {
            Stream.Dispose();
            File.Move(_temp, _full, overwrite: true);
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{_path}: cannot write ({e.Message})", e);
        }
    }

    public void Dispose()
    {
        Stream.Dispose();
        if (!_committed)
        {
            try
            {
                File.Delete(_temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind: a hidden .tmp file beside the real one, never under the real name.
            }
        }
    }
}
