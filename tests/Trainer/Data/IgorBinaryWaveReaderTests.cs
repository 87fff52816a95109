using System.Buffers.Binary;
using RmmEdge.Rig;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>
/// The BluePyEfe "B6" IDRest files of ../shared/data/recordings (Igor IBW v5, big-endian): Ch0 = I (pA),
/// Ch3 = V (mV), one 3 s sweep at 4 kHz each; steps of about +106 … +341 pA on a −12.5 pA holding,
/// 26–89 spikes (README of the recordings).
/// </summary>
public sealed class IgorBinaryWaveReaderTests(ITestOutputHelper output)
{
    public static TheoryData<int> Sweeps => new() { 181, 182, 183, 184, 185 };

    [SkippableTheory]
    [MemberData(nameof(Sweeps))]
    public void B6SweepsImportWithTheStatedRateUnitsAndRanges(int sweep)
    {
        Recording i = IgorBinaryWaveReader.Read(SharedData.File($"recordings/bluepyefe_B6_IDRest/B6_Ch0_IDRest_{sweep}.ibw"));
        Recording v = IgorBinaryWaveReader.Read(SharedData.File($"recordings/bluepyefe_B6_IDRest/B6_Ch3_IDRest_{sweep}.ibw"));
        Dataset d = Dataset.FromRecording(Recording.Combine($"B6 sweep {sweep}", (v, "V"), (i, "I")));
        float[] current = d.Neurons[0].I, voltage = d.Neurons[0].V;
        int spikes = Spikes.Detect(voltage, d.DtMs, 0f, -20f).Length;
        output.WriteLine($"sweep {sweep}: {d.Length} samples at {1000 / d.DtMs:0} Hz, I [{current.Min():0.000}, {current.Max():0.000}] nA, " +
            $"V [{voltage.Min():0.0}, {voltage.Max():0.0}] mV, {spikes} spikes");
        Assert.Equal(0.25, d.DtMs, 9);
        Assert.Equal(12000, d.Length);
        Assert.Equal("nA", i.Channels[0].Unit);
        Assert.Equal("mV", v.Channels[0].Unit);
        Assert.InRange(current.Take(2000).Average(), -0.016, -0.009);          // −12.5 pA holding
        Assert.InRange(current.Max() - current.Take(2000).Average(), 0.09, 0.38); // +106 … +341 pA steps
        Assert.InRange(spikes, 26, 89);
    }

    private static byte[] Sample() => File.ReadAllBytes(SharedData.File("recordings/bluepyefe_B6_IDRest/B6_Ch3_IDRest_181.ibw"));

    [SkippableFact]
    public void TruncatedCorruptedOrForeignFilesGiveOneClearError()
    {
        byte[] good = Sample();
        var truncated = Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read(good[..20000], "cut.ibw"));
        Assert.Contains("truncated", truncated.Message);
        byte[] corrupt = (byte[])good.Clone();
        corrupt[100] ^= 0x40;
        Assert.Contains("checksum", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read(corrupt, "bad.ibw")).Message);
        byte[] other = (byte[])good.Clone();
        other[1] = 3;   // big-endian version 3
        Assert.Contains("version 3", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read(other, "v3.ibw")).Message);
        Assert.Contains("not an Igor binary wave", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read("t_s,V_mV\n"u8.ToArray(), "csv.ibw")).Message);
        Assert.Contains("too short", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read([5], "one.ibw")).Message);
    }

    [SkippableFact]
    public void ChannelsOfDifferentLengthsDoNotCombine()
    {
        Recording v = IgorBinaryWaveReader.Read(Sample(), "v.ibw");
        Recording shorter = new("short.csv", v.DtMs, [new Channel("I", "nA", new float[10])]);
        Assert.Throws<UserError>(() => Recording.Combine("both", (v, "V"), (shorter, "I")));
    }

    /// <summary>
    /// A version-2 wave laid out from Technical Note 003 (BinHeader2 + WaveHeader2, 126 bytes, then the
    /// data; the 16-bit sum of the header is zero), in either byte order.
    /// </summary>
    internal static byte[] Version2Wave(bool bigEndian, short type, string units, double dxSeconds, double[] values)
    {
        int size = type == 0x10 ? 2 : 4;
        byte[] b = new byte[126 + values.Length * size];
        void I16(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(at), (short)v); } else { BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(at), (short)v); } }
        void I32(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(at), v); } else { BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), v); } }
        void F64(int at, double v) { if (bigEndian) { BinaryPrimitives.WriteDoubleBigEndian(b.AsSpan(at), v); } else { BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(at), v); } }
        I16(0, 2);
        I32(2, 110 + values.Length * size + 16);
        I16(16, type);
        System.Text.Encoding.ASCII.GetBytes("Vm_trace").CopyTo(b, 16 + 6);
        System.Text.Encoding.ASCII.GetBytes(units).CopyTo(b, 16 + 36);
        System.Text.Encoding.ASCII.GetBytes("s").CopyTo(b, 16 + 40);
        I32(16 + 44, values.Length);
        F64(16 + 50, dxSeconds);
        for (int i = 0; i < values.Length; i++)
        {
            if (size == 2) { I16(126 + 2 * i, (int)values[i]); }
            else if (bigEndian) { BinaryPrimitives.WriteSingleBigEndian(b.AsSpan(126 + 4 * i), (float)values[i]); }
            else { BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(126 + 4 * i), (float)values[i]); }
        }

        int sum = 0;
        for (int i = 0; i < 126; i += 2)
        {
            sum += bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(i)) : BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(i));
        }

        I16(14, -sum);   // the checksum field makes the header sum to zero
        return b;
    }

    [Theory]
    [InlineData(false, 0x10)]
    [InlineData(true, 0x10)]
    [InlineData(true, 2)]
    public void Version2WavesImportInEitherByteOrder(bool bigEndian, short type)
    {
        double[] values = Enumerable.Range(0, 500).Select(k => Math.Round(-60 + 20 * Math.Sin(k / 30.0))).ToArray();
        Recording r = IgorBinaryWaveReader.Read(Version2Wave(bigEndian, type, "mV", 1e-4, values), "old.ibw");
        Assert.Equal(0.1, r.DtMs, 12);
        Assert.Equal("Vm_trace", r.Channels[0].Name);
        Assert.Equal("mV", r.Channels[0].Unit);
        Assert.Equal(values.Select(v => (float)v), r.Channels[0].Samples);
        Recording current = IgorBinaryWaveReader.Read(Version2Wave(bigEndian, type, "pA", 2.5e-4, [100, -50, 0]), "i.ibw");
        Assert.Equal([0.1f, -0.05f, 0f], current.Channels[0].Samples);   // pA → nA
        byte[] corrupt = Version2Wave(bigEndian, type, "mV", 1e-4, values);
        corrupt[40] ^= 0x10;
        Assert.Contains("checksum", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read(corrupt, "bad.ibw")).Message);
        Assert.Contains("truncated", Assert.Throws<UserError>(() => IgorBinaryWaveReader.Read(Version2Wave(bigEndian, type, "mV", 1e-4, values)[..300], "cut.ibw")).Message);
    }
}
