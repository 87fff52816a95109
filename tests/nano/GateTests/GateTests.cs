using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.NanoGate.Tests;

/// <summary>
/// The gate must bite: every snippet below uses something nanoFramework 1.x lacks and must fail to
/// compile against our reference assemblies with the stated diagnostic, while compiling cleanly on
/// .NET 10 (so the failure comes from the gate, not from a broken snippet). Allowed snippets must
/// compile, so the gate does not forbid what the device has.
/// </summary>
public sealed class GateTests(ITestOutputHelper output)
{
    private static string InClass(string members) => $$"""
        namespace Snippet
        {
            public class C
            {
        {{members}}
            }
        }
        """;

    public static TheoryData<string, string, string> Forbidden => new()
    {
        { "List<T>", InClass("System.Collections.Generic.List<int> list = new System.Collections.Generic.List<int>();"), "CS0234" },
        { "LINQ", "using System.Linq; namespace Snippet { class C { int F(int[] a) { return a.Count(); } } }", "CS0234" },
        { "MathF", InClass("float F(float x) { return System.MathF.Sqrt(x); }"), "CS0234" },
        { "Span<T>", InClass("void F(byte[] b) { System.Span<byte> s = b; }"), "CS0234" },
        { "DateTime.Now", InClass("long F() { return System.DateTime.Now.Ticks; }"), "CS0117" },
        { "Buffer.BlockCopy", InClass("void F(byte[] a, byte[] b) { System.Buffer.BlockCopy(a, 0, b, 0, 4); }"), "CS0234" },
        { "Array.Sort", InClass("void F(int[] a) { System.Array.Sort(a); }"), "CS0117" },
        { "Array.Resize", InClass("void F(ref int[] a) { System.Array.Resize(ref a, 4); }"), "CS0117" },
        { "Enum.GetValues", InClass("object F() { return System.Enum.GetValues(typeof(System.DayOfWeek)); }"), "CS0117" },
        { "Math.Round(x, digits)", InClass("double F(double x) { return System.Math.Round(x, 2); }"), "CS1501" },
        { "Console input", InClass("string F() { return System.Console.ReadLine(); }"), "CS0117" },
        { "StringBuilder", InClass("object F() { return new System.Text.StringBuilder(); }"), "CS0234" },
        { "string.Join", InClass("string F(string[] a) { return string.Join(\",\", a); }"), "CS0117" },
        { "Environment in mscorlib", InClass("long F() { return System.Environment.TickCount64; }"), "CS0234" },
        { "Nullable<T>", InClass("int? x = null;"), "CS0518" },
        { "Task", InClass("System.Threading.Tasks.Task F() { return null; }"), "CS0234" },
        { "own generic type", InClass("public class Box<T> { public T Value; }"), "NANO001" },
        { "own generic method", InClass("public static T Id<T>(T x) { return x; }"), "NANO001" },
        { "multidimensional array", InClass("int[,] grid = new int[2, 3];"), "NANO002" },
        { "stackalloc", InClass("int F() { System.Span<int> s = stackalloc int[4]; return s[0]; }"), "NANO003" },
        { "unsafe", InClass("unsafe int F(int* p) { return *p; }"), "NANO003" },
        { "record", "namespace Snippet { public record R(int A); }", "NANO004" },
        { "tuple", InClass("object F() { var t = (1, 2); return t; }"), "NANO005" },
        { "array of structs", "namespace Snippet { struct P { public int X; } class C { P[] points = new P[4]; } }", "NANO007" },
        { "C# 10 file-scoped namespace", "namespace Snippet; class C { }", "CS8773" },
        { "C# 10 global using", "global using System; namespace Snippet { class C { } }", "CS8773" },
        { "C# 11 raw string", InClass("string s = \"\"\"raw\"\"\";"), "CS8773" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void ForbiddenApiFailsTheNanoBuild(string what, string source, string expectedId)
    {
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Device, source);
        output.WriteLine(NanoCompiler.Describe(errors));
        Assert.True(errors.Any(d => d.Id == expectedId),
            $"{what}: expected {expectedId} from the gate, got: {NanoCompiler.Describe(errors)}");
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void ForbiddenApiCompilesOnDotNet(string what, string source, string expectedId)
    {
        // The control: without the gate (full .NET 10, latest C#) the only acceptable errors are
        // the ones .NET itself gives for that construct (unsafe code needs /unsafe, allowed here).
        _ = expectedId;
        var errors = NanoCompiler.DotNetErrors(source);
        Assert.True(errors.IsEmpty, $"{what}: the snippet must be valid .NET 10 C#, got: {NanoCompiler.Describe(errors)}");
    }

    public static TheoryData<string, string> Allowed => new()
    {
        { "ArrayList", InClass("System.Collections.ArrayList F() { var a = new System.Collections.ArrayList(); a.Add(1); return a; }") },
        { "float math via double Math", InClass("float F(float x) { return (float)System.Math.Tanh(x) + (float)System.Math.Exp(-x) + System.Math.Abs(x); }") },
        { "integer Math", InClass("int F(int a, int b) { return System.Math.Max(a, System.Math.Min(b, System.Math.Abs(a - b))); }") },
        { "BitConverter", InClass("int F(byte[] b) { return System.BitConverter.ToInt32(b, 0) + System.BitConverter.GetBytes(1.5f).Length; }") },
        { "Array.Copy/Clear", InClass("void F(int[] a, int[] b) { System.Array.Copy(a, 0, b, 0, 2); System.Array.Clear(b, 0, 1); }") },
        { "lock, Thread, Interlocked", InClass("readonly object _gate = new object(); int _n; void F() { lock (_gate) { _n++; } System.Threading.Interlocked.Increment(ref _n); new System.Threading.Thread(G).Start(); } void G() { System.Threading.Thread.Sleep(1); }") },
        { "string interpolation", InClass("string F(int a, float b) { return $\"a={a} b={b}\"; }") },
        { "foreach, switch on string, exceptions", InClass("int F(string[] a) { int n = 0; foreach (string s in a) { switch (s) { case \"x\": n++; break; case \"y\": n += 2; break; default: throw new System.ArgumentException(\"bad\", \"a\"); } } return n; }") },
        { "DateTime.UtcNow, TimeSpan", InClass("long F() { return (System.DateTime.UtcNow - System.DateTime.UtcNow).Ticks + System.TimeSpan.TicksPerMillisecond; }") },
        { "Debug.WriteLine", InClass("void F() { System.Diagnostics.Debug.WriteLine(\"x\"); }") },
        { "array initializer", InClass("static readonly short[] Table = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };") },
        { "jagged array", InClass("float[][] w = new float[3][];") },
        { "indexer and properties", InClass("int[] _d = new int[4]; public int this[int i] { get { return _d[i]; } } public int Count { get; private set; }") },
        { "enum ToString", "namespace Snippet { enum E { A = 1 } class C { string F() { return E.A.ToString(); } } }" },
        { "C# 9 features", InClass("object F(object o) { return o is int i and > 0 ? (object)i : new System.Collections.ArrayList(); } static int G(int x) => x switch { 0 => 1, _ => 2 };") },
        { "ADC and DAC", InClass("void F() { var adc = new System.Device.Adc.AdcController(); int v = adc.OpenChannel(0).ReadValue(); var dac = System.Device.Dac.DacController.GetDefault(); dac.OpenChannel(0).WriteValue((ushort)v); }") },
        { "ESP32 HighResTimer", InClass("ulong F() { return nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent(); }") },
        { "littlefs files", InClass("byte[] F(byte[] b) { using (var f = new System.IO.FileStream(\"I:\\\\m.bin\", System.IO.FileMode.Create, System.IO.FileAccess.Write)) { f.Write(b, 0, b.Length); } if (!System.IO.File.Exists(\"I:\\\\m.bin\")) { return null; } using (var f = new System.IO.FileStream(\"I:\\\\m.bin\", System.IO.FileMode.Open, System.IO.FileAccess.Read)) { var r = new byte[(int)f.Length]; f.Read(r, 0, r.Length); return r; } }") },
        { "SerialPort", InClass("void F(byte[] b) { var p = new System.IO.Ports.SerialPort(\"COM2\", 115200); p.ReadTimeout = 10; p.Open(); p.Write(b, 0, b.Length); int n = p.Read(b, 0, b.Length); p.Close(); }") },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void AllowedApiCompiles(string what, string source)
    {
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Device, source);
        Assert.True(errors.IsEmpty, $"{what}: nanoFramework has this, the gate must allow it: {NanoCompiler.Describe(errors)}");
    }

    [Fact]
    public void SharedModelCannotSeeDeviceApis()
    {
        // design §2: shared-model depends on nothing; its gate build sees only mscorlib and System.Math.
        string source = InClass("void F() { var adc = new System.Device.Adc.AdcController(); }");
        var errors = NanoCompiler.NanoErrors(NanoCompiler.Core, source);
        Assert.Contains(errors, d => d.Id == "CS0234");
    }
}
