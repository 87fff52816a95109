using System.Buffers.Binary;
using System.Text;
using RmmEdge.Rig;
using RmmEdge.TestSupport;
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
        Assert.Contains("ABF1 header", Assert.Throws<UserError>(() => AbfReader.Read("ABF \0\0\0\0"u8.ToArray(), "old.abf")).Message);
        Assert.Contains("not an ABF file", Assert.Throws<UserError>(() => AbfReader.Read("t_s,V_mV\n0,1\n"u8.ToArray(), "text.abf")).Message);
        Assert.Contains("truncated", Assert.Throws<UserError>(() => AbfReader.Read(good[..100], "header.abf")).Message);
    }

    /// <summary>
    /// An ABF1 file laid out from the published field offsets (no ABF1 recording is in the shared data):
    /// two channels sampled in the order ADC 1 (current, pA), ADC 0 (voltage, mV), so that the per-ADC
    /// arrays must be read through the sampling sequence; gains and offsets that all matter.
    /// </summary>
    internal static byte[] Abf1File(short mode, int episodes, float[] voltageMv, float[] currentPa, float version = 1.83f)
    {
        const int channels = 2, dataBlock = 12;
        int perChannel = voltageMv.Length;
        byte[] b = new byte[dataBlock * 512 + perChannel * channels * 2];
        void I16(int at, int v) => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(at), (short)v);
        void I32(int at, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), v);
        void F32(int at, float v) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at), v);
        void Text(int at, string v) => Encoding.ASCII.GetBytes(v).CopyTo(b, at);
        Text(0, "ABF ");
        F32(4, version);
        I16(8, mode);
        I32(10, perChannel * channels);
        I32(16, episodes);
        I32(40, dataBlock);
        I16(100, 0);
        I16(120, channels);
        F32(122, 25f);                       // µs between multiplexed samples: 50 µs per channel, 20 kHz
        I32(138, perChannel * channels / Math.Max(1, episodes));
        F32(244, 10f);
        I32(252, 32768);
        I16(410, 1);                         // sampling sequence: ADC 1 first, then ADC 0
        I16(412, 0);
        Text(442, "Vm");
        Text(452, "Im");
        Text(602, "mV");
        Text(610, "pA");
        float[] programmable = [1f, 2f], instrument = [0.01f, 0.0005f], offsets = [0f, 5f], signalGain = [1f, 1f], signalOffset = [0f, 0f];
        for (int adc = 0; adc < 2; adc++)
        {
            F32(730 + 4 * adc, programmable[adc]);
            F32(922 + 4 * adc, instrument[adc]);
            F32(986 + 4 * adc, offsets[adc]);
            F32(1050 + 4 * adc, signalGain[adc]);
            F32(1114 + 4 * adc, signalOffset[adc]);
        }

        for (int k = 0; k < perChannel; k++)
        {
            // code = (value − offset)·gain·resolution/range for the ADC sampled at each position.
            I16(dataBlock * 512 + 4 * k, (int)Math.Round((currentPa[k] - offsets[1]) * instrument[1] * programmable[1] * 32768 / 10));
            I16(dataBlock * 512 + 4 * k + 2, (int)Math.Round((voltageMv[k] - offsets[0]) * instrument[0] * programmable[0] * 32768 / 10));
        }

        return b;
    }

    [Fact]
    public void Abf1GapFreeAndEpisodicFilesImportThroughTheSamplingSequence()
    {
        int n = 4000;
        float[] v = Enumerable.Range(0, n).Select(k => (float)(-65 + 30 * Math.Sin(k * 0.01))).ToArray();
        float[] i = Enumerable.Range(0, n).Select(k => (float)(k % 1000 < 500 ? 200 : -100)).ToArray();
        foreach ((short mode, int episodes) in new[] { ((short)3, 0), ((short)5, 4) })
        {
            Recording r = AbfReader.Read(Abf1File(mode, episodes, v, i), "synthetic.abf");
            Assert.Equal(0.05, r.DtMs, 9);
            Assert.Equal(mode == 5 ? 4 : 1, r.Sweeps);
            Assert.Equal(["Im", "Vm"], r.Channels.Select(c => c.Name));   // in sampling order
            Assert.Equal(["nA", "mV"], r.Channels.Select(c => c.Unit));   // converted to canonical units
            double vError = r.Get("Vm").Samples.Zip(v, (a, e) => Math.Abs(a - e)).Max();
            double iError = r.Get("Im").Samples.Zip(i, (a, e) => Math.Abs(a - e / 1000)).Max();
            output.WriteLine($"ABF1 mode {mode}: V error {vError:G3} mV, I error {iError:G3} nA");
            Assert.True(vError <= 0.5 * 10 / 32768 / 0.01 + 1e-4);          // half an LSB
            Assert.True(iError <= 0.5 * 10 / 32768 / 0.0005 / 2 / 1000 + 1e-6);
        }
    }

    [Fact]
    public void BrokenAbf1FilesGiveOneClearError()
    {
        byte[] good = Abf1File(3, 0, new float[1000], new float[1000]);
        Assert.Contains("past the end", Assert.Throws<UserError>(() => AbfReader.Read(good[..(good.Length - 10)], "cut.abf")).Message);
        byte[] variable = (byte[])good.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(variable.AsSpan(8), 1);
        Assert.Contains("operation mode 1", Assert.Throws<UserError>(() => AbfReader.Read(variable, "events.abf")).Message);
        byte[] badSequence = (byte[])good.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(badSequence.AsSpan(410), 40);
        Assert.Contains("ADC 40", Assert.Throws<UserError>(() => AbfReader.Read(badSequence, "seq.abf")).Message);
        byte[] episodic = Abf1File(5, 3, new float[999], new float[999]);
        BinaryPrimitives.WriteInt32LittleEndian(episodic.AsSpan(138), 500);
        Assert.Contains("episodes", Assert.Throws<UserError>(() => AbfReader.Read(episodic, "ep.abf")).Message);
    }
}
