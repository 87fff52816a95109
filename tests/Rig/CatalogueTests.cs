using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Rig.Tests;

/// <summary>
/// The Prinz cells the generalisation bench is run on do what their type says in this simulator, and
/// the quiet steps of the training stimulus hold their level without noise.
/// </summary>
public sealed class CatalogueTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("a", FiringPattern.Bursting, 700, 1000)]
    [InlineData("burster-2003", FiringPattern.Bursting, 450, 800)]
    [InlineData("abpd-2", FiringPattern.Bursting, 1200, 1800)]
    [InlineData("lp-4", FiringPattern.Tonic, 0, 0)]
    [InlineData("py-1", FiringPattern.Tonic, 0, 0)]
    public void EachCellFiresAsItsTypeAtZeroCurrent(string cell, FiringPattern expected, double minPeriodMs, double maxPeriodMs)
    {
        ActivitySummary s = ConstantCurrentResponse.OfCircuit(() => Circuit.SingleStg(StgConductances.Named(cell)), [0.0], BuiltInData.DtMs)[0][0];
        output.WriteLine($"{cell} at 0 nA: {s}");
        Assert.Equal(expected, s.Kind);
        if (expected == FiringPattern.Bursting)
        {
            Assert.InRange(s.PeriodMs, minPeriodMs, maxPeriodMs);
        }
    }

    [Fact]
    public void TheBursterOf2003FormsAnAntiPhaseHalfCentreAtTwentyNanosiemens()
    {
        Circuit circuit = Circuit.HalfCentre(StgConductances.Named("burster-2003"), 0.020);
        circuit.Advance(10_000, [0, 0]);
        Dataset d = circuit.Record([new float[150_000], new float[150_000]], BuiltInData.DtMs, "spontaneous");
        double[] s1 = Spikes.Detect(d.Neurons[0].V, d.DtMs), s2 = Spikes.Detect(d.Neurons[1].V, d.DtMs);
        double gap = BurstAnalysis.DefaultGapMs(s1);
        BurstStats b1 = BurstAnalysis.Analyse(s1, gap), b2 = BurstAnalysis.Analyse(s2, gap);
        CircularPhase phase = BurstAnalysis.Phase(b1.Onsets, b2.Onsets);
        output.WriteLine($"periods {b1.PeriodMs:0} / {b2.PeriodMs:0} ms, spikes/burst {b1.SpikesPerBurst:0.0} / {b2.SpikesPerBurst:0.0}, phase {phase}");
        Assert.InRange(b1.PeriodMs / b2.PeriodMs, 0.97, 1.03);
        Assert.InRange(phase.Mean, 0.4, 0.6);
        Assert.True(phase.Resultant > 0.8);
    }

    [Fact]
    public void QuietStepsHoldTheirLevelWithoutNoiseAndNothingElseChanges()
    {
        StimulusSpec reference = StimulusSpec.SingleNeuron;
        float[] plain = reference.Generate(200_000, 0.1, 5);
        Assert.Equal(plain, (reference with { QuietProbability = 0 }).Generate(200_000, 0.1, 5));
        float[] quiet = (reference with { QuietProbability = 1 }).Generate(200_000, 0.1, 5);
        int changes = 0;
        for (int k = 1; k < quiet.Length; k++) { changes += quiet[k] != quiet[k - 1] ? 1 : 0; }
        int steps = (int)(200_000 * 0.1 / reference.StepMaxMs);
        output.WriteLine($"level changes: {changes} in 20 s (steps of {reference.StepMinMs}-{reference.StepMaxMs} ms)");
        Assert.InRange(changes, steps, 20_000 / reference.StepMinMs);
    }
}
