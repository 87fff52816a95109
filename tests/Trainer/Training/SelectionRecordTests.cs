using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>
/// Selection on a separate record of several stimulus classes (issue 17 §3): DataSplit.Beside, segments scored
/// apart (SnapshotValidator.Score), the simulated selection record (SelectionStimuli, BuiltInData.SelectionRecord).
/// </summary>
public sealed class SelectionRecordTests(ITestOutputHelper output)
{
    private const double Dt = 0.1;

    /// <summary>12 s at −60 mV with bursts of three spikes (20 ms apart) every <paramref name="periodMs"/>.</summary>
    private static float[] Bursts(double periodMs, double firstMs = 300)
    {
        float[] v = new float[(int)(12_000 / Dt)];
        Array.Fill(v, -60f);
        for (double onset = firstMs; onset + 60 < 12_000; onset += periodMs)
        {
            for (int spike = 0; spike < 3; spike++) { v[(int)((onset + 20 * spike) / Dt)] = 20f; }
        }

        return v;
    }

    private static Dataset Record(string name, float[] v) => new(name, Dt, [new NeuronTrace("cell", v, new float[v.Length])]);

    [Fact]
    public void ScoredApartASegmentWithFewerBurstsIsStillHeard()
    {
        // End to end, the burst period is the median interval over both segments: the one with more bursts decides it,
        // and a model right on one stimulus and 25 % slow on the other scores as right.
        var network = new Network(NetworkSpec.SingleNeuron(Dt, hidden: [4], tauMs: [1, 5]), seed: 1);
        Dataset first = Record("first", Bursts(1000)), second = Record("second", Bursts(1000, firstMs: 500));
        (Dataset, FreeRunResult)[] runs =
        [
            (first, new FreeRunResult(0, [Bursts(1000, firstMs: 320)], [], false)),   // the cell's period, 20 ms late
            (second, new FreeRunResult(0, [Bursts(1250)], [], false)),                // 25 % slow
        ];
        double Score((Dataset, FreeRunResult)[] r, bool apart) =>
            SnapshotValidator.Score(network, r, SpikeMetricSettings.Lp, SelectionRule.BurstAware, apart);

        double pooled = Score(runs, apart: false), apart = Score(runs, apart: true);
        double right = Score([runs[0]], false), slow = Score([runs[1]], false);
        NeuronScore endToEnd = Scoring.Score(network, runs)[0];
        output.WriteLine($"end to end: period error {endToEnd.PeriodError:+0.0%}, score {pooled:0.000}; apart {apart:0.000} (right segment {right:0.000}, slow {slow:0.000})");

        Assert.Equal(0, endToEnd.PeriodError, 3);
        Assert.Equal((right + slow) / 2, apart, 12);
        Assert.True(apart < pooled - 0.1, $"scored apart ({apart:0.000}) the slow segment should cost what end to end ({pooled:0.000}) it does not");
        Assert.Equal(SnapshotValidator.DivergedScore, Score([runs[0], (second, new FreeRunResult(0, [Bursts(1250)], [], true))], apart: true));
    }

    [Fact]
    public void ASelectionRecordIsSelectedOnAndNeverFitted()
    {
        Dataset data = TeacherForcingTests.Synthetic(30_000);
        Dataset selection = Dataset.Concatenate("mixed.csv", [TeacherForcingTests.Synthetic(8_000, seed: 11), TeacherForcingTests.Synthetic(8_000, seed: 12)]);
        var network = new Network(NetworkSpec.SingleNeuron(Dt, hidden: [4], tauMs: [1, 5]), seed: 1);

        DataSplit split = DataSplit.Beside(network, data, selection, transientMs: null);
        output.WriteLine(split.Description);
        Assert.Equal(data.Length, split.Train.Length);
        Assert.Same(selection, split.Selection);
        Assert.True(split.SegmentsApart);
        Assert.Contains("mixed.csv", split.Description);
        Assert.False(DataSplit.Of(network, data, null, 0.1, 0.3, null).SegmentsApart);

        var trainer = new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 2, ValidateEvery = 1 }, selection);
        Assert.Equal(data.Length, trainer.Split.Train.Length);
        TrainingResult result = trainer.Train();
        Assert.Contains("mixed.csv", result.Split);
        Assert.All(result.History.Where(h => h.Validation is not null), h => Assert.NotEqual(SnapshotValidator.DivergedScore, h.Validation));

        var wrongStep = new Dataset("coarse.csv", 0.2, [new NeuronTrace("cell", new float[4000], new float[4000])]);
        UserError e = Assert.Throws<UserError>(() => DataSplit.Beside(network, data, wrongStep, null));
        Assert.Contains("coarse.csv", e.Message);
    }

    [Fact]
    public void TheSimulatedSelectionRecordHoldsFourClassesAndNoProbe()
    {
        Dataset record = BuiltInData.SelectionRecord(RmmEdge.Rig.Neurons.Circuit.SingleStg(RmmEdge.Rig.Neurons.StgConductances.Bursting), StimulusSpec.SingleNeuron, "a", seed: 2);
        output.WriteLine(record.Source);
        Assert.Equal(SelectionStimuli.Names.Count, record.Segments.Count);
        Assert.All(record.Segments, g => Assert.Equal((int)Math.Round(SelectionStimuli.SegmentSeconds * 1000 / BuiltInData.DtMs), g.Length));
        foreach (string name in new[] { "chirp", "ramp", "steps" })
        {
            float[] mine = SelectionStimuli.Generate(name, BuiltInData.DtMs, StimulusSpec.SingleNeuron, 2);
            float[] probe = ProbeStimuli.Generate(name, SelectionStimuli.SegmentSeconds, BuiltInData.DtMs, RmmEdge.Trainer.Interpretation.Generalisation.ProbeSeed);
            double distance = mine.Zip(probe, (x, y) => Math.Abs(x - y)).Average();
            Assert.True(distance > 0.2, $"the selection {name} is {distance:0.000} nA from the judged probe on average: too close to call unseen");
        }

        Assert.Equal(StimulusSpec.SingleNeuron.Generate(record.Segments[3].Length, BuiltInData.DtMs, 2), record.Neurons[0].I[record.Segments[3].Start..]);
        Assert.Throws<ArgumentException>(() => SelectionStimuli.Generate("noise", BuiltInData.DtMs, StimulusSpec.SingleNeuron, 2));
    }
}
