using System.Xml.Linq;
using Xunit;

namespace RmmEdge.NanoGate.Tests;

/// <summary>
/// The .nfproj files are for users with the nanoFramework toolchain, which we cannot run here; these
/// tests keep them truthful: every source file listed (nanoFramework projects list sources
/// explicitly), no stale entries, every referenced DLL coming from a package in packages.config at
/// the same version, and C# 9.
/// </summary>
public sealed class NanoProjectFileTests
{
    public static TheoryData<string, string> Projects => new()
    {
        { "shared-model/RmmEdge.SharedModel.nfproj", "../firmware/packages" },
        { "firmware/RmmEdge.Firmware.nfproj", "packages" },
        { "tests/nano/NFUnitTest/NFUnitTest.nfproj", "../../../firmware/packages" },
    };

    private static XNamespace Ms => "http://schemas.microsoft.com/developer/msbuild/2003";

    [Theory]
    [MemberData(nameof(Projects))]
    public void ListsExactlyTheSourceFiles(string project, string packagesDir)
    {
        _ = packagesDir;
        string path = Path.Combine(NanoCompiler.RepoRoot, project);
        string dir = Path.GetDirectoryName(path)!;
        var listed = XDocument.Load(path).Descendants(Ms + "Compile")
            .Select(c => ((string)c.Attribute("Include")!).Replace('\\', '/'))
            .OrderBy(p => p, StringComparer.Ordinal).ToArray();
        var onDisk = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith("bin/") && !p.StartsWith("obj/") && !p.StartsWith("native/"))
            .OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, listed);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ReferencesComeFromPackagesConfig(string project, string packagesDir)
    {
        string path = Path.Combine(NanoCompiler.RepoRoot, project);
        string dir = Path.GetDirectoryName(path)!;
        var packages = XDocument.Load(Path.Combine(dir, "packages.config")).Descendants("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);
        Assert.Contains("nanoFramework.CoreLibrary", packages.Keys);
        Assert.All(packages.Values, v => Assert.Matches(@"^\d+\.\d+\.\d+$", v));

        foreach (XElement reference in XDocument.Load(path).Descendants(Ms + "Reference"))
        {
            string hint = ((string)reference.Element(Ms + "HintPath")!).Replace('\\', '/');
            Assert.StartsWith(packagesDir + "/", hint);
            string folder = hint.Substring(packagesDir.Length + 1).Split('/')[0];
            var match = packages.FirstOrDefault(p => folder == $"{p.Key}.{p.Value}");
            Assert.True(match.Key != null, $"{project}: {hint} names no package of packages.config");
        }

        Assert.Contains("<LangVersion>9.0</LangVersion>", File.ReadAllText(path));
    }
}
