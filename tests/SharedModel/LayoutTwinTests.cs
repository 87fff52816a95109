using System.Reflection;
using System.Text.RegularExpressions;
using RmmEdge.SharedModel.Format;
using RmmEdge.TestSupport;
using Xunit;

namespace RmmEdge.SharedModel.Tests;

/// <summary>
/// The .rmmq byte layout is named once per language: shared-model/Format/RmmqLayout.cs and
/// firmware/native/rmm_layout.h hold the same names (OffsetDtNs is RMMQ_OFFSET_DT_NS) with the same
/// values, and the C arena macro is the C# formula. The reader and writer round-trip every golden model.
/// </summary>
public sealed class LayoutTwinTests
{
    private static string Header => File.ReadAllText(Path.Combine(SharedData.RepoRoot, "firmware", "native", "rmm_layout.h"));

    /// <summary>OffsetDtNs → RMMQ_OFFSET_DT_NS.</summary>
    private static string CName(string name) => "RMMQ_" + Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", "_$1").ToUpperInvariant();

    private static Dictionary<string, int> CDefines(string header) =>
        Regex.Matches(header, @"^#define (RMMQ_\w+) (\d+)\s*$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));

    private static Dictionary<string, int> CSharpConstants() =>
        typeof(RmmqLayout).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => CName(f.Name), f => (int)f.GetRawConstantValue()!);

    /// <summary>Every difference between the two sets, as "NAME: C# v, C w" (missing on one side: "none").</summary>
    private static List<string> Differences(Dictionary<string, int> cSharp, Dictionary<string, int> c) =>
        cSharp.Keys.Union(c.Keys).Order()
            .Where(k => !cSharp.TryGetValue(k, out int a) || !c.TryGetValue(k, out int b) || a != b)
            .Select(k => $"{k}: C# {(cSharp.TryGetValue(k, out int a) ? a : "none")}, C {(c.TryGetValue(k, out int b) ? b : "none")}")
            .ToList();

    [Fact]
    public void TheCHeaderNamesEveryOffsetWithTheSameValue()
    {
        Dictionary<string, int> cSharp = CSharpConstants();
        Assert.True(cSharp.Count > 50, $"only {cSharp.Count} constants found in RmmqLayout");
        List<string> differences = Differences(cSharp, CDefines(Header));
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void AMovedFieldIsCaught()
    {
        string moved = Header.Replace("#define RMMQ_CURRENT_REVERSAL 28", "#define RMMQ_CURRENT_REVERSAL 29")
            .Replace("#define RMMQ_LAYER_PAD 5\n", "");
        Assert.Equal(["RMMQ_CURRENT_REVERSAL: C# 28, C 29", "RMMQ_LAYER_PAD: C# 5, C none"], Differences(CSharpConstants(), CDefines(moved)));
    }

    [Fact]
    public void TheCArenaMacroIsTheCSharpFormula()
    {
        Match macro = Regex.Match(Header, @"#define RMMQ_ARENA_BYTES\(neurons, states, currents, max_width\) (.+)$", RegexOptions.Multiline);
        Assert.True(macro.Success, "RMMQ_ARENA_BYTES not found in rmm_layout.h");
        string expression = macro.Groups[1].Value.Trim();
        Assert.Equal("(4 * (3 * (neurons) + (states) + (currents) + 3 * (max_width)))", expression);
        foreach ((int n, int s, int c, int w) in new[] { (1, 0, 0, 1), (2, 14, 3, 21), (16, 4096, 64, 4096) })
        {
            Assert.Equal(4 * (3 * n + s + c + 3 * w), RmmqLayout.ArenaBytes(n, s, c, w));
        }
    }

    [Theory]
    [InlineData("circuit-16bit")]
    [InlineData("circuit-8bit")]
    [InlineData("activity-16bit")]
    public void ReadingThenWritingAGoldenModelGivesItsBytesBack(string set)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SharedData.RepoRoot, "tests", "golden", set, "model.rmmq"));
        ModelLoadResult loaded = RmmqReader.Load(file);
        Assert.True(loaded.Ok, loaded.ToString());
        Assert.Equal(file, RmmqWriter.Write(loaded.Model));
    }

    [Fact]
    public void TheKernelRefusesAModelTheReaderDidNotValidate()
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SharedData.RepoRoot, "tests", "golden", "circuit-16bit", "model.rmmq"));
        RmmqModel model = RmmqReader.Load(file).Model;
        Assert.True(model.Validated);
        Assert.Throws<ArgumentException>(() => new SharedModel.Kernel.StepKernel(new RmmqModel()));
    }
}
