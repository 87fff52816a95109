using System.IO.Compression;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using Xunit;

namespace RmmEdge.Trainer.Tests.Data;

public sealed class CsvRecordingReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-csv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Rows(int n, Func<int, string> row) => string.Concat(Enumerable.Range(0, n).Select(k => row(k) + "\n"));

    [Fact]
    public void ReadsUnitsAndConvertsThem()
    {
        string path = Write("a.csv", "t_s,V_V,I_pA\n" + Rows(5, k => $"{k * 0.0001:0.0000},{-0.06 + k * 0.001},{100 * k}"));
        Recording r = CsvRecordingReader.Read(path);
        Assert.Equal(0.1, r.DtMs, 9);
        Assert.Equal("mV", r.Get("V").Unit);
        Assert.Equal(-60f, r.Get("V").Samples[0], 4);
        Assert.Equal("nA", r.Get("I").Unit);
        Assert.Equal(0.4f, r.Get("I").Samples[4], 5);
    }

    [Fact]
    public void ReadsGzipAndBuildsADataset()
    {
        string path = Path.Combine(_dir, "b.csv.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz))
        {
            w.Write("t_ms,V1_mV,I1_nA,V2_mV,I2_nA,Isyn1_nA\n" + Rows(10, k => $"{k * 0.1:0.0},-50,0.1,-60,0.2,-0.3"));
        }

        Dataset d = Dataset.FromRecording(CsvRecordingReader.Read(path));
        Assert.Equal(2, d.Neurons.Count);
        Assert.Equal(10, d.Length);
        Assert.Equal(-60f, d.Neurons[1].V[3]);
        Assert.True(d.Extra.ContainsKey("Isyn1"));
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "non-monotonic time", "t_s,V_mV,I_nA\n0.0000,-60,0\n0.0002,-60,0\n0.0001,-60,0\n", "constant step" },
        { "NaN", "t_s,V_mV,I_nA\n0.0000,-60,0\n0.0001,NaN,0\n0.0002,-60,0\n", "line 3, column V_mV" },
        { "too few fields", "t_s,V_mV,I_nA\n0.0000,-60,0\n0.0001,-60\n", "line 3: 2 fields, expected 3" },
        { "too many fields", "t_s,V_mV,I_nA\n0.0000,-60,0,7\n", "more than 3 fields" },
        { "not a number", "t_s,V_mV,I_nA\n0.0000,-60,abc\n", "'abc' is not a finite number" },
        { "no unit", "t_s,V,I_nA\n0.0000,-60,0\n", "has no unit" },
        { "empty", "", "empty file" },
        { "one row", "t_s,V_mV,I_nA\n0.0000,-60,0\n", "at least 2" },
        { "time not first", "V_mV,I_nA\n-60,0\n-60,0\n", "not time" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadInputGivesOneClearError(string what, string text, string expected)
    {
        string path = Write(what.Replace(' ', '_') + ".csv", text);
        var e = Assert.Throws<UserError>(() => CsvRecordingReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void WrongColumnsAreNamedWithWhatIsThere()
    {
        string path = Write("wrong.csv", "t_s,Vm_mV,Iinj_nA\n0,-60,0\n0.0001,-60,0\n");
        var e = Assert.Throws<UserError>(() => Dataset.FromRecording(CsvRecordingReader.Read(path)));
        Assert.Contains("no voltage channel", e.Message);
        Assert.Contains("Vm_mV", e.Message);
    }

    [Fact]
    public void CurrentInAVoltageUnitIsRejected()
    {
        string path = Write("units.csv", "t_s,V_mV,I_mV\n0,-60,0\n0.0001,-60,0\n");
        var e = Assert.Throws<UserError>(() => Dataset.FromRecording(CsvRecordingReader.Read(path)));
        Assert.Contains("expected a current", e.Message);
    }

    [Fact]
    public void TruncatedGzipIsACleanError()
    {
        string path = Path.Combine(_dir, "t.csv.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz))
        {
            w.Write("t_s,V_mV,I_nA\n" + Rows(20000, k => $"{k * 0.0001:0.0000},-60.123,0.5"));
        }

        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsAny<UserError>(() => CsvRecordingReader.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MissingFileIsACleanError()
    {
        var e = Assert.Throws<UserError>(() => CsvRecordingReader.Read(Path.Combine(_dir, "nope.csv")));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void FakeGzipIsACleanError()
    {
        string path = Write("fake.csv.gz", "t_s,V_mV,I_nA\n0,-60,0\n");
        var e = Assert.Throws<UserError>(() => CsvRecordingReader.Read(path));
        Assert.Contains("not gzip", e.Message);
    }
}
