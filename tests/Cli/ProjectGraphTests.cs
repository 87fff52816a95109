using System.Xml.Linq;
using RmmEdge.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Cli.Tests;

/// <summary>
/// The product's project references run one way (README "Layout"): CLI → trainer / emulator → rig →
/// shared-model, and the emulator reaches the firmware only through its source files. No product project
/// references anything under tests/, and none references an executable.
/// </summary>
public sealed class ProjectGraphTests(ITestOutputHelper output)
{
    /// <summary>Each product project's layer: a project may reference only projects of a lower layer.</summary>
    private static readonly Dictionary<string, int> Layers = new()
    {
        ["RmmEdge.SharedModel"] = 0,
        ["RmmEdge.Rig"] = 1,
        ["RmmEdge.Trainer"] = 2,
        ["RmmEdge.Emulator"] = 2,
        ["RmmEdge.Cli"] = 3,
        ["RmmEdge.Bench"] = 3,
    };

    private static string Root => SharedData.RepoRoot;

    private static IEnumerable<string> ProductProjects() =>
        Directory.EnumerateFiles(Path.Combine(Root, "shared-model"), "*.csproj")
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "host-trainer"), "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));

    private static (string Name, string[] References, string[] Compiled, bool Exe) Read(string project)
    {
        XDocument doc = XDocument.Load(project);
        string dir = Path.GetDirectoryName(project)!;
        string[] references = doc.Descendants("ProjectReference")
            .Select(r => Path.GetFullPath(Path.Combine(dir, r.Attribute("Include")!.Value)))
            .ToArray();
        string[] compiled = doc.Descendants("Compile").Select(c => c.Attribute("Include")?.Value).OfType<string>()
            .Select(c => Path.GetFullPath(Path.Combine(dir, c)))
            .ToArray();
        bool exe = doc.Descendants("OutputType").Any(o => o.Value == "Exe");
        return (Path.GetFileNameWithoutExtension(project), references, compiled, exe);
    }

    /// <summary>Every reference that does not go to a lower layer, or goes to an executable, as "A -> B: why".</summary>
    private static List<string> WrongArrows(IEnumerable<string> projects, Action<string>? edge = null)
    {
        var problems = new List<string>();
        foreach (string project in projects)
        {
            var (name, references, _, _) = Read(project);
            if (!Layers.TryGetValue(name, out int layer))
            {
                problems.Add($"{name}: not placed in a layer (add it to ProjectGraphTests.Layers)");
                continue;
            }

            foreach (string reference in references)
            {
                string target = Path.GetFileNameWithoutExtension(reference);
                edge?.Invoke($"{name} -> {target}");
                if (!Layers.TryGetValue(target, out int targetLayer) || targetLayer >= layer)
                {
                    problems.Add($"{name} -> {target}: {(Layers.ContainsKey(target) ? "not a lower layer" : "not a product project")}");
                }

                if (File.Exists(reference) && Read(reference).Exe)
                {
                    problems.Add($"{name} -> {target}: references an executable");
                }
            }
        }

        return problems;
    }

    [Fact]
    public void EveryProductReferenceGoesToALowerLayer()
    {
        List<string> problems = WrongArrows(ProductProjects(), output.WriteLine);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void AWrongWayReferenceIsCaught()
    {
        string dir = Directory.CreateTempSubdirectory("rmm-graph-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "RmmEdge.Rig"));
            Directory.CreateDirectory(Path.Combine(dir, "RmmEdge.Cli"));
            string rig = Path.Combine(dir, "RmmEdge.Rig", "RmmEdge.Rig.csproj");
            string cli = Path.Combine(dir, "RmmEdge.Cli", "RmmEdge.Cli.csproj");
            File.WriteAllText(rig, """<Project><ItemGroup><ProjectReference Include="../RmmEdge.Trainer/RmmEdge.Trainer.csproj" /></ItemGroup></Project>""");
            File.WriteAllText(cli, """<Project><PropertyGroup><OutputType>Exe</OutputType></PropertyGroup><ItemGroup><ProjectReference Include="../RmmEdge.Rig/RmmEdge.Rig.csproj" /></ItemGroup></Project>""");
            string bench = Path.Combine(dir, "RmmEdge.Bench.csproj");
            File.WriteAllText(bench, """<Project><ItemGroup><ProjectReference Include="RmmEdge.Cli/RmmEdge.Cli.csproj" /></ItemGroup></Project>""");

            List<string> problems = WrongArrows([rig, cli, bench]);

            Assert.Equal(["RmmEdge.Rig -> RmmEdge.Trainer: not a lower layer", "RmmEdge.Bench -> RmmEdge.Cli: not a lower layer",
                "RmmEdge.Bench -> RmmEdge.Cli: references an executable"], problems);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OnlyTheEmulatorCompilesFirmwareSourcesAndNoProductCompilesTests()
    {
        string firmware = Path.Combine(Root, "firmware") + Path.DirectorySeparatorChar;
        string tests = Path.Combine(Root, "tests") + Path.DirectorySeparatorChar;
        foreach (string project in ProductProjects())
        {
            var (name, references, compiled, _) = Read(project);
            Assert.DoesNotContain(references.Concat(compiled), p => p.StartsWith(tests, StringComparison.Ordinal));
            if (name != "RmmEdge.Emulator")
            {
                Assert.DoesNotContain(compiled, p => p.StartsWith(firmware, StringComparison.Ordinal));
            }
        }
    }
}
