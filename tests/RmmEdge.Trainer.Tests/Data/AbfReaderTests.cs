using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>The ABF2 files of ../shared/data/recordings against the rates, sweeps, units, ranges and spike counts its README states.</summary>
public sealed class AbfReaderTests(ITestOutputHelper output)
{
    /// <summary>file, rate (Hz), sweeps, seconds per sweep, spikes (−1: not stated), V min, V max (NaN: not stated).</summary>
    public static TheoryData<string, double, int, double, int, double, double> Files => new()
    {
        { "pyabf_cellA_171116sh/171116sh_0016.abf", 20000, 11, 1.0, -1, double.NaN, double.NaN },
        { "pyabf_cellA_171116sh/171116sh_0018.abf", 20000, 17, 3.0, 117, -76.7, 60.9 },
        { "pyabf_cellB_18711001/18711001.abf", 20000, 30, 1.5, 110, -92.6, 62.5 },
        { "pyabf_fsi_2019_07_24_0055/2019_07_24_0055_fsi.abf", 20000, 17, 3.0, 948, double.NaN, double.NaN },
    };

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void VoltageOnlyFilesImportWithTheirStatedFigures(string file, double rateHz, int sweeps, double sweepSeconds, int spikes, double vMin, double vMax)
    {
        Recording r = AbfReader.Read(SharedData.File("recordings/" + file));
        Channel v = r.Channels[0];
        int detected = Spikes.Detect(v.Samples, r.DtMs, 0f, 0f).Length;
        output.WriteLine($"{file}: {r.Channels.Count} channel(s) {string.Join(", ", r.Channels.Select(c => $"{c.Name} ({c.Unit})"))}, " +
            $"{1000 / r.DtMs:0} Hz, {r.Sweeps} sweeps x {r.SweepLength * r.DtMs / 1000:0.###} s, V [{v.Samples.Min():0.0}, {v.Samples.Max():0.0}] mV, {detected} spikes");
        Assert.Equal(1000 / rateHz, r.DtMs, 9);
        Assert.Equal(sweeps, r.Sweeps);
        Assert.Equal(sweepSeconds, r.SweepLength * r.DtMs / 1000, 6);
        Assert.Equal("mV", v.Unit);
        Assert.InRange(v.Samples.Min(), -120, -40);
        Assert.InRange(v.Samples.Max(), 0, 80);
        if (spikes >= 0) { Assert.InRange(detected, spikes - 1, spikes + 1); }
        if (!double.IsNaN(vMin)) { Assert.Equal(vMin, v.Samples.Min(), 0.15); }
        if (!double.IsNaN(vMax)) { Assert.Equal(vMax, v.Samples.Max(), 0.15); }
    }

    [SkippableFact]
    public void RecordedCurrentComesFromItsAdcChannel()
    {
        Recording r = AbfReader.Read(SharedData.File("recordings/pyabf_18425108_recordedI/18425108.abf"));
        Dataset d = Dataset.FromRecording(Recording.Combine("18425108", (new Recording(r.Source, r.DtMs, [r.Get("10_Vm")]), "V"),
            (new Recording(r.Source, r.DtMs, [r.Get("Imemb")]), "I")));
        float[] i = d.Neurons[0].I, v = d.Neurons[0].V;
        int spikes = Spikes.Detect(v, d.DtMs, 0f, 0f).Length;
        double baseline = i.Take(20000).Average();
        output.WriteLine($"18425108: {1000 / d.DtMs:0} Hz, {d.DurationMs / 1000:0.##} s, I baseline {baseline:0.000} nA, max {i.Max():0.00} nA, V rest {v.Take(20000).Average():0.0} mV, {spikes} spikes");
        Assert.Equal(0.04, d.DtMs, 9);
        Assert.Equal(10.0, d.DurationMs / 1000, 6);
        Assert.Equal("nA", r.Get("Imemb").Unit);
        Assert.InRange(baseline, 0.05, 0.11);          // about +0.08 nA
        Assert.InRange(i.Max(), 2.3, 2.9);              // pulses of about 2.6 nA
        Assert.InRange(v.Take(20000).Average(), -73, -69);   // rest −71 mV
        Assert.Equal(20, spikes);
    }

    /// <summary>
    /// The command current rebuilt from the epoch table must equal the one rebuilt independently for the
    /// shared data (the .stimulus_pA.npz files: float32, sweeps × samples, pA).
    /// </summary>
    [SkippableTheory]
    [InlineData("pyabf_cellA_171116sh/171116sh_0018")]
    [InlineData("pyabf_cellB_18711001/18711001")]
    [InlineData("pyabf_fsi_2019_07_24_0055/2019_07_24_0055_fsi")]
    [InlineData("pyabf_cellA_171116sh/171116sh_0016")]
    public void CommandCurrentRebuiltFromTheEpochTableMatchesTheReference(string stem)
    {
        Recording r = AbfReader.Read(SharedData.File($"recordings/{stem}.abf"), reconstructCommand: true);
        Channel command = r.Channels[^1];
        float[] reference = ReadNpyFloat32(SharedData.File($"recordings/{stem}.stimulus_pA.npz"), "I_pA.npy", out int rows, out int columns);
        Assert.Equal("nA", command.Unit);
        Assert.Equal(r.Sweeps, rows);
        Assert.Equal(r.SweepLength, columns);
        double maxError = 0;
        for (int i = 0; i < reference.Length; i++) { maxError = Math.Max(maxError, Math.Abs(command.Samples[i] * 1000 - reference[i])); }
        output.WriteLine($"{stem}: {rows} sweeps x {columns} samples, command {command.Name}, max |rebuilt − reference| = {maxError:G3} pA");
        Assert.True(maxError < 0.01, $"{stem}: rebuilt command differs from the reference by up to {maxError} pA");
    }

    /// <summary>Reads a 2-D little-endian float32 array from a NumPy .npz (a zip of .npy files).</summary>
    private static float[] ReadNpyFloat32(string npz, string entry, out int rows, out int columns)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(npz);
        using var stream = new MemoryStream();
        zip.GetEntry(entry)!.Open().CopyTo(stream);
        byte[] b = stream.ToArray();
        int headerLength = BitConverter.ToUInt16(b, 8);
        string header = System.Text.Encoding.ASCII.GetString(b, 10, headerLength);
        Assert.Contains("'<f4'", header);
        var shape = System.Text.RegularExpressions.Regex.Match(header, @"'shape': \((\d+), (\d+)\)");
        rows = int.Parse(shape.Groups[1].Value);
        columns = int.Parse(shape.Groups[2].Value);
        var values = new float[rows * columns];
        Buffer.BlockCopy(b, 10 + headerLength, values, 0, values.Length * 4);
        return values;
    }

    [SkippableFact]
    public void TruncatedOrForeignFilesGiveOneClearError()
    {
        byte[] good = File.ReadAllBytes(SharedData.File("recordings/pyabf_cellB_18711001/18711001.abf"));
        Assert.Contains("truncated", Assert.Throws<UserError>(() => AbfReader.Read(good[..(good.Length / 2)], "half.abf")).Message);
        Assert.Contains("ABF1", Assert.Throws<UserError>(() => AbfReader.Read("ABF \0\0\0\0"u8.ToArray(), "old.abf")).Message);
        Assert.Contains("not an ABF file", Assert.Throws<UserError>(() => AbfReader.Read("t_s,V_mV\n0,1\n"u8.ToArray(), "text.abf")).Message);
        Assert.Contains("truncated", Assert.Throws<UserError>(() => AbfReader.Read(good[..100], "header.abf")).Message);
    }
}
