namespace RmmEdge.Trainer.Compile;

/// <summary>Finds the C kernel's sources (firmware/native) of the RmmEdge tree this program runs from.</summary>
public static class NativeSources
{
    /// <summary>The firmware/native directory above the program or the working directory, or null.</summary>
    public static string? Find()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "firmware", "native");
                if (File.Exists(Path.Combine(candidate, "rmm_step.c")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
