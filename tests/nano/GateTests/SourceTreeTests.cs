using System.Xml.Linq;
using Xunit;

namespace RmmEdge.NanoGate.Tests;

/// <summary>
/// The real shared-model, firmware and NFUnitTest sources pass the gate, a List&lt;int&gt; dropped
/// into shared-model does not, and the gate projects are wired into the solution the README's test
/// command builds.
/// </summary>
public sealed class SourceTreeTests
{
    private static string[] Sources(string folder, params string[] excluded) =>
        Directory.EnumerateFiles(Path.Combine(NanoCompiler.RepoRoot, folder), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                     && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                     && !excluded.Any(e => p.Contains(e)))
            .Select(File.ReadAllText)
            .ToArray();

    private static readonly string[] SharedModel = Sources("shared-model");
    private static readonly string[] Firmware = Sources("firmware", $"{Path.DirectorySeparatorChar}native{Path.DirectorySeparatorChar}");

    [Fact]
    public void SharedModelPassesTheGate()
    {
        Assert.NotEmpty(SharedModel);
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Core, SharedModel);
        Assert.True(errors.IsEmpty, NanoCompiler.Describe(errors));
    }

    [Fact]
    public void FirmwarePassesTheGate()
    {
        Assert.NotEmpty(Firmware);
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Device, [.. SharedModel, .. Firmware]);
        Assert.True(errors.IsEmpty, NanoCompiler.Describe(errors));
    }

    [Fact]
    public void AListInSharedModelFailsTheGate()
    {
        const string intruder = """
            namespace RmmEdge.SharedModel
            {
                public class Intruder
                {
                    public System.Collections.Generic.List<int> Values = new System.Collections.Generic.List<int>();
                }
            }
            """;
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Core, [.. SharedModel, intruder]);
        Assert.Contains(errors, d => d.Id == "CS0234" && d.GetMessage().Contains("Generic"));
    }

    [Theory]
    [InlineData("tests/nano/gate/SharedModel.Nano.csproj", new[] { "System.Math" })]
    [InlineData("tests/nano/gate/Firmware.Nano.csproj",
        new[] { "System.Math", "System.Device.Adc", "System.Device.Dac", "System.IO.Ports", "System.IO.Streams", "System.IO.FileSystem", "nanoFramework.Hardware.Esp32" })]
    public void GateProjectsCompileWithoutTheStandardLibraryAgainstOnlyTheirReferences(string project, string[] refs)
    {
        string path = Path.Combine(NanoCompiler.RepoRoot, project);
        XDocument doc = XDocument.Load(path);
        Assert.Contains(doc.Descendants("Import"), i => ((string?)i.Attribute("Project"))?.EndsWith("Nano.props") == true);
        string[] referenced = doc.Descendants("ProjectReference")
            .Select(r => (string)r.Attribute("Include")!)
            .Where(r => r.Contains("/ref/"))
            .Select(r => Path.GetFileNameWithoutExtension(r))
            .OrderBy(r => r, StringComparer.Ordinal).ToArray();
        Assert.Equal(refs.OrderBy(r => r, StringComparer.Ordinal), referenced);

        string props = File.ReadAllText(Path.Combine(NanoCompiler.RepoRoot, "tests/nano/Nano.props"));
        Assert.Contains("<Import Project=\"$(MSBuildThisFileDirectory)VendorMscorlib.props\" />", props);
        Assert.Contains("<NoStdLib>true</NoStdLib>", props);
        Assert.Contains("<LangVersion>9</LangVersion>", props);
        Assert.Contains("<DisableImplicitFrameworkReferences>true</DisableImplicitFrameworkReferences>", props);
    }

    /// <summary>
    /// The gate compiles against the vendor's mscorlib of the same nanoFramework.CoreLibrary version that the
    /// .nfproj files and packages.config name (issue 18: a gate on another version proves nothing about the build).
    /// </summary>
    [Fact]
    public void TheGateUsesTheVendorCoreLibraryVersionThatTheNanoProjectsName()
    {
        string Read(string path) => File.ReadAllText(Path.Combine(NanoCompiler.RepoRoot, path));
        string version = System.Text.RegularExpressions.Regex.Match(Read("tests/nano/VendorMscorlib.props"), "<NanoCoreLibraryVersion>([^<]+)</NanoCoreLibraryVersion>").Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.Contains($"<NanoCoreLibraryVersion>{version}</NanoCoreLibraryVersion>", Read("tests/nano/GateTests/RmmEdge.NanoGate.Tests.csproj"));
        foreach (string config in new[] { "firmware/packages.config", "tests/nano/NFUnitTest/packages.config" })
        {
            Assert.Contains($"<package id=\"nanoFramework.CoreLibrary\" version=\"{version}\"", Read(config));
        }

        foreach (string project in new[] { "firmware/RmmEdge.Firmware.nfproj", "tests/nano/NFUnitTest/NFUnitTest.nfproj" })
        {
            Assert.Contains($"nanoFramework.CoreLibrary.{version}\\lib\\mscorlib.dll", Read(project));
        }

        Assert.False(Directory.Exists(Path.Combine(NanoCompiler.RepoRoot, "tests/nano/ref/mscorlib")), "our own mscorlib reference is gone: the vendor's is the only one");
    }

    [Fact]
    public void TheSolutionBuildsTheGateProjects()
    {
        // `dotnet test RmmEdge.sln` builds every project of the solution; the gate is enforced only
        // if its projects are in it.
        string sln = File.ReadAllText(Path.Combine(NanoCompiler.RepoRoot, "RmmEdge.sln"));
        foreach (string gate in new[] { "SharedModel.Nano.csproj", "Firmware.Nano.csproj", "NFUnitTest.Nano.csproj" })
        {
            Assert.Contains(gate, sln);
        }
    }

    [Fact]
    public void SharedModelAndFirmwarePinCSharp9()
    {
        foreach (string project in new[] { "shared-model/RmmEdge.SharedModel.csproj", "shared-model/RmmEdge.SharedModel.nfproj", "firmware/RmmEdge.Firmware.nfproj" })
        {
            string text = File.ReadAllText(Path.Combine(NanoCompiler.RepoRoot, project));
            Assert.Contains("<LangVersion>9", text);
        }
    }
}
