using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using RmmEdge.NanoDialect;

namespace RmmEdge.NanoGate.Tests;

/// <summary>
/// Compiles C# source the way the gate projects do (tests/nano/Nano.props): C# 9, no standard
/// library, only the nanoFramework reference assemblies, with the dialect analyzer. Also compiles
/// the same source against the full .NET 10 reference set, as a control.
/// </summary>
public static class NanoCompiler
{
    public static readonly string RepoRoot = typeof(NanoCompiler).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    private static readonly string RefDir = Path.Combine(AppContext.BaseDirectory, "nano-ref");

    /// <summary>Core set every nano build sees.</summary>
    public static readonly string[] Core = ["mscorlib", "System.Math"];

    /// <summary>What the firmware gate sees.</summary>
    public static readonly string[] Device =
        [.. Core, "System.Device.Adc", "System.Device.Dac", "System.IO.Ports", "System.IO.Streams", "System.IO.FileSystem", "nanoFramework.Hardware.Esp32"];

    public static readonly CSharpParseOptions Parse = new(LanguageVersion.CSharp9,
        preprocessorSymbols: ["NANOFRAMEWORK_1_0", "NANO_GATE"]);

    /// <summary>Errors (compiler and analyzer) from compiling <paramref name="sources"/> against the nano references.</summary>
    public static ImmutableArray<Diagnostic> NanoErrors(string[] assemblies, params string[] sources)
    {
        MetadataReference[] refs = assemblies
            .Select(a => (MetadataReference)MetadataReference.CreateFromFile(Path.Combine(RefDir, a + ".dll")))
            .ToArray();
        return Errors(refs, Parse, sources);
    }

    /// <summary>Errors from compiling against the full .NET 10 runtime (the control: no gate at all).</summary>
    public static ImmutableArray<Diagnostic> DotNetErrors(params string[] sources)
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        MetadataReference[] refs = tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();
        return Errors(refs, new CSharpParseOptions(LanguageVersion.Latest), sources, withAnalyzer: false);
    }

    private static ImmutableArray<Diagnostic> Errors(MetadataReference[] refs, CSharpParseOptions parse, string[] sources, bool withAnalyzer = true)
    {
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"snippet{i}.cs"));
        var compilation = CSharpCompilation.Create("Snippet", trees, refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        ImmutableArray<Diagnostic> all = compilation.GetDiagnostics();
        if (withAnalyzer)
        {
            all = all.AddRange(compilation
                .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new NanoDialectAnalyzer()))
                .GetAnalyzerDiagnosticsAsync().Result);
        }

        return all.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}
