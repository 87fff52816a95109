using RmmCli = RmmEdge.Cli.Cli;
using RmmEdge.Rig;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Training;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>
/// Recordings as labs make them (issue 22): sweeps and files are segments that no training target, no
/// free run and no warm-up crosses; splits by sweep; a spike rule that fits the cell; Γ where it is
/// defined; selection that cannot reward silence; the CLI taking several files, chosen sweeps and
/// voltage/current pairs, and writing its free run.
/// </summary>
public sealed class SegmentTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-seg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dataset Sweeps(int count, int length) =>
        Dataset.Concatenate("sweeps", Enumerable.Range(0, count).Select(s => TeacherForcingTests.Synthetic(length, seed: 10 + s)).ToArray());

    [Fact]
    public void SegmentsSurviveSlicingSelectionAndConcatenation()
    {
        Dataset d = Sweeps(4, 1000);
        Assert.Equal([new Segment(0, 1000), new Segment(1000, 1000), new Segment(2000, 1000), new Segment(3000, 1000)], d.Segments);
        Assert.Equal([new Segment(0, 500), new Segment(500, 1000), new Segment(1500, 200)], d.Slice(500, 1700).Segments);
        Dataset picked = d.SelectSegments([3, 1]);
        Assert.Equal([new Segment(0, 1000), new Segment(1000, 1000)], picked.Segments);
        Assert.Equal(d.Neurons[0].V[3000], picked.Neurons[0].V[0]);
        Assert.Equal([new Segment(0, 4000), new Segment(4000, 4000)], Sweeps(2, 1000).Upsample(4).Segments);
        Assert.Throws<UserError>(() => d.SelectSegments([4]));

        // An episodic recording's sweeps become the dataset's segments.
        var recording = new Recording("r", 0.1, [new Channel("V", "mV", d.Neurons[0].V), new Channel("I", "nA", d.Neurons[0].I)], sweeps: 4);
        Dataset episodic = Dataset.FromRecording(recording);
        Assert.Equal(d.Segments.Select(g => (g.Start, g.Length)), episodic.Segments.Select(g => (g.Start, g.Length)));

        // ... and keep their numbers in the file through selection, upsampling and free runs, so tables name the sweeps the user named.
        Assert.Equal([0, 1, 2, 3], episodic.Segments.Select(g => g.Sweep));
        Dataset held = episodic.SelectSegments([3, 1]).Upsample(2);
        Assert.Equal([3, 1], held.Segments.Select(g => g.Sweep));
        var network = new Network(NetworkSpec.SingleNeuron(0.05, hidden: [4], tauMs: [1, 5]), seed: 2);
        TestNetworks.FitFixedRanges(network);
        Assert.Equal([3, 1], FreeRun.RunSegments(network, held, new Transient(200, 0.05, "test")).Indices);
    }

    [Fact]
    public void NoTrainingTargetCrossesASegmentAndEverySegmentSkipsItsTransient()
    {
        Dataset d = Sweeps(3, 1000);
        d.Neurons[0].V[1000] = 40;   // a jump at the first sample of the second sweep: never a target
        var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [4], tauMs: [1, 5]), seed: 1);
        var problem = new TeacherForcingProblem(network.Models[0], d, transient: 100);
        Assert.Equal(3 * (1000 - 100 - 1), problem.SampleCount);
        Assert.DoesNotContain(999, problem.Samples);
        Assert.DoesNotContain(1999, problem.Samples);
        Assert.All(problem.Samples, k => Assert.True(k % 1000 >= 100, $"sample {k} lies in a transient"));
        Assert.All(problem.Samples, k => Assert.True(Math.Abs(problem.Target(k)) < 300, $"target {problem.Target(k)} at {k}"));
    }

    [Fact]
    public void AFreeRunOfSeveralSweepsIsTheFreeRunOfEachOnItsOwn()
    {
        Dataset d = Sweeps(3, 1500);
        var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [4], tauMs: [1, 5]), seed: 2);
        TestNetworks.FitFixedRanges(network);
        var transient = new Transient(200, 0.1, "test");
        SegmentRuns runs = FreeRun.RunSegments(network, d, transient);
        Assert.Equal([0, 1, 2], runs.Indices);
        for (int s = 0; s < 3; s++)
        {
            FreeRunResult alone = FreeRun.Run(network, d.Segment(s), 200);
            Assert.Equal(alone.Voltages[0], runs.Runs[s].Run.Voltages[0]);
        }
    }

    [Fact]
    public void ASweptRecordIsSplitBySweepSpreadOverTheProtocol()
    {
        Dataset d = Sweeps(10, 3000);
        var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [4], tauMs: [1, 5]), seed: 1);
        DataSplit split = DataSplit.Of(network, d, validationFraction: 0.2, selectionFraction: 0.3, transientMs: null);
        output.WriteLine(split.Description);
        Assert.Equal(8, split.Train.Segments.Count);
        Assert.Equal(3, split.Selection.Segments.Count);
        Assert.Contains("holding out 2,7", split.Description);
        Assert.Equal(network.WarmupSamples, split.Transient.Samples);   // sweeps of 0.3 s, four times the banks' 23 ms warm-up
        DataSplit byTime = DataSplit.Of(network, TeacherForcingTests.Synthetic(20_000), 0.1, 0.3, null);
        Assert.Equal(18_000, byTime.Train.Length);
        Assert.Contains("by time", byTime.Description);
    }

    [Fact]
    public void TheSpikeRuleFitsCorticalSpikesThatRideOnAPlateau()
    {
        // 0.1 ms steps: rest at −65 mV, then a plateau at −30 mV carrying 8 spikes to +20 mV, twice.
        float[] v = new float[20_000];
        for (int k = 0; k < v.Length; k++)
        {
            bool plateau = k % 10_000 is > 3000 and < 7000;
            v[k] = plateau ? -30 : -65;
            if (plateau && k % 500 < 10) { v[k] = -30 + 50 * MathF.Sin(MathF.PI * (k % 500) / 10f); }
        }

        SpikeRule fitted = SpikeRule.FromData([v], 0.1);
        output.WriteLine(fitted.ToString());
        Assert.Equal(16, fitted.Detect(v, 0.1).Length);
        Assert.Equal(2, SpikeRule.Bursting.Detect(v, 0.1).Length);   // re-armed below −35 mV only: one spike per plateau
        Assert.Contains("from the data", fitted.Origin);
    }

    [Fact]
    public void GammaIsUndefinedWhereChanceMatchesEverySpikeAndSelectionPunishesSilence()
    {
        double[] dense = Enumerable.Range(0, 300).Select(k => k * 3.0).ToArray();   // 333 Hz: 2νΔ = 2.7 at ±4 ms
        Assert.True(double.IsNaN(Coincidence.Gamma(dense, dense, 4, 900)));
        Assert.Equal(1, Coincidence.Gamma([10, 50], [10, 50], 2, 1000), 9);
        Assert.Equal(1, SnapshotValidator.SpikeCountError(120, 0));
        Assert.Equal(1, SnapshotValidator.SpikeCountError(0, 5));
        Assert.Equal(0, SnapshotValidator.SpikeCountError(0, 0));
        Assert.Equal(0.5, SnapshotValidator.SpikeCountError(10, 5));
    }

    [Fact]
    public void TheCliTrainsOnSeveralFilesAndChosenSweepsAndWritesItsFreeRun()
    {
        string a = Path.Combine(_dir, "a.csv"), b = Path.Combine(_dir, "b.csv");
        CsvRecordingWriter.Write(TeacherForcingTests.Synthetic(30_000, seed: 3), a);
        CsvRecordingWriter.Write(TeacherForcingTests.Synthetic(30_000, seed: 4), b);
        string model = Path.Combine(_dir, "m.rmm.json"), trace = Path.Combine(_dir, "trace.csv");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(["train", a, b, "--out", model, "--epochs", "2", "--warmup-ms", "50"], stdout, stderr);
        output.WriteLine(stdout.ToString() + stderr);
        Assert.Equal(0, code);
        Assert.Contains("by time", stdout.ToString());   // two files: two segments, split by time
        Assert.Contains("first 50 ms of each segment", stdout.ToString());

        stdout = new StringWriter();
        code = RmmCli.Run(["eval", model, a, b + "@0", "--out", trace, "--warmup-ms", "100"], stdout, stderr);
        output.WriteLine(stdout.ToString() + stderr);
        Assert.Equal(0, code);
        Assert.Contains("2 segment(s)", stdout.ToString());
        Assert.Contains("per sweep", stdout.ToString());
        Assert.Contains("spikes: upward crossings of", stdout.ToString());
        string[] rows = File.ReadAllLines(trace);
        Assert.Equal("t_s,sweep,V_mV,Vdata_mV", rows[0]);
        Assert.Equal(2 * (30_000 - 1000) + 1, rows.Length);
        Assert.StartsWith("0.1,0,", rows[1]);
        Assert.StartsWith("0.1,1,", rows[30_000 - 1000 + 1]);

        Assert.Equal(1, RmmCli.Run(["eval", model, a + "@3"], TextWriter.Null, stderr));
        Assert.Contains("sweep 3 asked for", stderr.ToString());
    }

    [Fact]
    public void TheCliSelectsOnSelectionRecordingsItNeverFits()
    {
        string train = Path.Combine(_dir, "train.csv"), chirp = Path.Combine(_dir, "chirp.csv"), ramp = Path.Combine(_dir, "ramp.csv");
        CsvRecordingWriter.Write(TeacherForcingTests.Synthetic(30_000, seed: 3), train);
        CsvRecordingWriter.Write(TeacherForcingTests.Synthetic(10_000, seed: 5), chirp);
        CsvRecordingWriter.Write(TeacherForcingTests.Synthetic(10_000, seed: 6), ramp);
        string model = Path.Combine(_dir, "sel.rmm.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(["train", train, "--selection", chirp, ramp, "--out", model, "--epochs", "2"], stdout, stderr);
        output.WriteLine(stdout.ToString() + stderr);
        Assert.Equal(0, code);
        Assert.Contains($"training on all of {train}; selecting on {chirp} + {ramp} (2 segments, each scored on its own)", stdout.ToString());

        string missing = Path.Combine(_dir, "nowhere.csv");
        stderr = new StringWriter();
        Assert.Equal(1, RmmCli.Run(["train", train, "--selection", missing, "--out", Path.Combine(_dir, "never.rmm.json"), "--epochs", "1"], TextWriter.Null, stderr));
        Assert.Contains("nowhere.csv", stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "never.rmm.json")));
    }

    [SkippableFact]
    public void RealRecordingsOpenAsLabsStoreThem()
    {
        // Igor waves: voltage and current in separate files, paired; an ABF whose current is an ADC channel.
        string v = SharedData.File("recordings/bluepyefe_B6_IDRest/B6_Ch3_IDRest_181.ibw");
        string i = SharedData.File("recordings/bluepyefe_B6_IDRest/B6_Ch0_IDRest_181.ibw");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string model = Path.Combine(_dir, "b6.rmm.json");
        int code = RmmCli.Run(["train", v + "+" + i, "--out", model, "--epochs", "1"], stdout, stderr);
        output.WriteLine(stdout.ToString() + stderr);
        Assert.Equal(0, code);

        string abf = SharedData.File("recordings/pyabf_18425108_recordedI/18425108.abf");
        Recording r = RecordingFormats.Open(abf);
        Assert.NotNull(r.Find("Imemb"));
        Assert.Contains("no command current rebuilt", r.Note);
        Assert.Contains("no command current rebuilt", Assert.Throws<UserError>(() => r.Get("Cmd 0")).Message);
        Dataset d = Dataset.FromRecording(r.Select(["10_Vm"], ["Imemb"]));
        Assert.InRange(d.Neurons[0].I.Max(), 2.0f, 3.0f);
    }
}
