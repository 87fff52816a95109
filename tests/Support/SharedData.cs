using System.Reflection;
using Xunit;

namespace RmmEdge.TestSupport;

/// <summary>
/// Locates ../shared/data beside the repository. Tests that need it skip with a clear message when it
/// is absent (the project never copies it).
/// </summary>
public static class SharedData
{
    public static readonly string RepoRoot = typeof(SharedData).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public static string Directory => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    /// <summary>Full path of a file under ../shared/data, or a skip when it is not there.</summary>
    public static string File(string relative)
    {
        string path = Path.Combine(Directory, relative);
        Skip.IfNot(System.IO.File.Exists(path), $"shared data not available: {path} is absent (tests that use ../shared/data skip without it)");
        return path;
    }
}
