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
}
