using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Interpretation;

public sealed class ModelAnalysisTests(ITestOutputHelper output)
{
    /// <summary>A neuron with a lumped and a gating current, and a synapse from a second neuron; normalised for −90…10 mV.</summary>
    private static Network Model()
    {
        var spec = new NetworkSpec(0.1,
        [
            new NeuronSpec("post", Currents:
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3])),
                new CurrentSpec("K", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [1, 5]), new MlpSpec([3]),
                    Inactivation: new MlpSpec([2]), ReversalMv: -80, ConductanceUs: 0.5),
                new CurrentSpec("syn", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Diagonal, [2, 20]), new MlpSpec([3]), ReversalMv: -80),
            ]),
            new NeuronSpec("pre", External: true),
        ]);
        var network = new Network(spec, seed: 7);
        foreach (Current c in network.Currents)
        {
            float[] min = Enumerable.Range(0, c.Bank.Size).Select(i => (float)(-90 * c.Bank.DcGain(i))).ToArray();
            float[] max = Enumerable.Range(0, c.Bank.Size).Select(i => (float)(10 * c.Bank.DcGain(i))).ToArray();
            c.FitNormalization(-90, 10, min, max);
        }

        network.RefreshEffective();
        return network;
    }

    [Fact]
    public void SteadyStateIvIsWhatALongVoltageClampSettlesTo()
    {
        Network network = Model();
        IvCurve[] curves = ModelAnalysis.IvCurves(network, -80, 0, 9, holdingMv: -60);
        var sim = new NetworkRunner(network);
        foreach (int k in new[] { 1, 4, 7 })
        {
            float v = curves[0].VoltageMv[k];
            float[] clamp = [v, v];
            sim.Reset(clamp);
            for (int step = 0; step < 20_000; step++) { sim.Step([0f, 0f], clamp, 1f); }
            for (int c = 0; c < 2; c++)   // intrinsic currents: owner = source = v
            {
                Assert.Equal(curves[c].SteadyStateNa[k], sim.CurrentValues[c], 3);
            }
        }

        // The instantaneous curve crosses the steady-state one at the holding voltage (−60 mV is point 2).
        foreach (IvCurve curve in curves.Where(c => !c.Current.EndsWith("syn")))
        {
            Assert.Equal(curve.SteadyStateNa[2], curve.InstantaneousNa[2], 5);
        }

        Assert.All(curves[0].SteadyStateConductanceUs, g => Assert.True(float.IsNaN(g)));   // lumped: no conductance
        Assert.All(curves[1].SteadyStateConductanceUs, g => Assert.True(g > 0));
    }

    [Fact]
    public void FrequencyConductanceAtZeroFrequencyIsTheSlopeOfTheSteadyStateIv()
    {
        Network network = Model();
        for (int c = 0; c < 2; c++)
        {
            float[] v = [-70f, -50f, -30f];
            double[,] g = ModelAnalysis.FrequencyConductance(network, c, v, [1e-6, 0.1, 10]);
            for (int r = 0; r < v.Length; r++)
            {
                IvCurve iv = ModelAnalysis.IvCurves(network, v[r] - 0.05f, v[r] + 0.05f, 3, -60)[c];
                double slope = (iv.SteadyStateNa[2] - iv.SteadyStateNa[0]) / 0.1;
                output.WriteLine($"{iv.Current} at {v[r]} mV: G(ω→0) {g[r, 0]:G5} µS, IV slope {slope:G5} µS, G(0.1) {g[r, 1]:G4}, G(10) {g[r, 2]:G4}");
                Assert.True(Math.Abs(g[r, 0] - slope) <= 0.02 * Math.Abs(slope) + 1e-4, $"{iv.Current} at {v[r]} mV: {g[r, 0]} vs slope {slope}");
            }
        }
    }

    [Fact]
    public void FrequencyConductanceOfAnActivityDrivenBankIsLinearisedThroughTheActivity()
    {
        // A gating current whose bank sees the spike activity σ((v + 20)/3), not v: its slow
        // conductance at ω → 0 must still be the slope of its steady-state IV, which holds only if the
        // bank's input is moved by σ′(v)·δv.
        var spec = new NetworkSpec(0.1,
        [
            new NeuronSpec("cell", Currents:
            [
                new CurrentSpec("KCa", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [5, 50]), new MlpSpec([3]),
                    ReversalMv: -80, ConductanceUs: 0.5, Input: BankInput.SpikeActivity),
            ]),
        ]);
        var network = new Network(spec, seed: 3);
        Current k = network.Currents.Single();
        k.FitNormalization(-90, 10, [0f, 0f], [1f, 1f]);
        network.RefreshEffective();
        foreach (float v in new[] { -30f, -20f, -10f })
        {
            double[,] g = ModelAnalysis.FrequencyConductance(network, 0, [v], [1e-6, 10]);
            IvCurve iv = ModelAnalysis.IvCurves(network, v - 0.05f, v + 0.05f, 3, -60)[0];
            IvCurve instant = ModelAnalysis.IvCurves(network, v - 0.05f, v + 0.05f, 3, v)[0];
            double slope = (iv.SteadyStateNa[2] - iv.SteadyStateNa[0]) / 0.1;
            double instantSlope = (instant.InstantaneousNa[2] - instant.InstantaneousNa[0]) / 0.1;
            output.WriteLine($"at {v} mV: G(ω→0) {g[0, 0]:G5} µS, IV slope {slope:G5} µS, instantaneous slope {instantSlope:G5} µS, G(10) {g[0, 1]:G5}");
            Assert.True(Math.Abs(g[0, 0] - slope) <= 0.02 * Math.Abs(slope) + 1e-4, $"at {v} mV: {g[0, 0]} vs slope {slope}");
            Assert.True(Math.Abs(slope - instantSlope) > 0.05 * Math.Abs(slope), "the activity-driven part must matter at this voltage");
        }
    }

    [Fact]
    public void SynapticCorrelationsCompareTheDepolarisingPredictionWithTheTrueColumn()
    {
        Network network = Model();
        Dataset data = TeacherForcingTests.Synthetic(6000, neurons: 2);
        int warmup = network.WarmupSamples;
        CurrentTraces traces = ModelAnalysis.Traces(network, data, warmup);
        Assert.Empty(ModelAnalysis.SynapticCorrelations(network, data, traces));   // no true current in the data: nothing to say

        // The true current as the data stores it (depolarising +) is −ψ of the synapse: an affine copy scores 1,
        // the outward-positive ψ itself −1, and a shuffled copy about 0.
        float[] psi = traces.CurrentNa[2];
        float[] Column(Func<float, float> of)   // a full-length data column holding of(ψ) after the warm-up
        {
            float[] column = new float[data.Length];
            for (int k = 0; k < psi.Length; k++) { column[warmup + k] = of(psi[k]); }
            return column;
        }

        float[] truth = Column(p => -2f * p + 0.1f);
        SynapseCorrelation same = ModelAnalysis.SynapticCorrelations(network, WithExtra(data, "Isyn1", truth), traces).Single();
        Assert.Equal(("post", "Isyn1"), (same.Neuron, same.TruthColumn));
        Assert.Equal(["post/syn"], same.Synapses);
        Assert.Equal(1.0, same.PearsonR, 6);

        Assert.Equal(-1.0, ModelAnalysis.SynapticCorrelations(network, WithExtra(data, "Isyn1", Column(p => p)), traces).Single().PearsonR, 6);

        float[] shuffled = (float[])truth.Clone();
        new Random(4).Shuffle(shuffled.AsSpan(warmup));
        Assert.InRange(ModelAnalysis.SynapticCorrelations(network, WithExtra(data, "Isyn1", shuffled), traces).Single().PearsonR, -0.1, 0.1);
    }

    private static Dataset WithExtra(Dataset data, string column, float[] values) =>
        new(data.Source, data.DtMs, data.Neurons, new Dictionary<string, float[]> { [column] = values });

    [Fact]
    public void RemovingACurrentTakesItOffTheVoltageButStillReportsIt()
    {
        Network network = Model();
        Dataset data = TeacherForcingTests.Synthetic(6000, neurons: 2);
        int warmup = network.WarmupSamples;
        FreeRunResult full = FreeRun.Run(network, data, warmup);
        FreeRunResult without = FreeRun.Run(network, data, warmup, removed: [1]);
        double difference = full.Voltages[0].Zip(without.Voltages[0], (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"largest voltage change when K is removed: {difference:0.00} mV");
        Assert.True(difference > 0.1);
        Assert.Contains(without.Currents[1], psi => psi != 0f);
        Assert.Equal(full.Voltages[0][0], without.Voltages[0][0]);   // identical up to the warm-up's end
        var error = Assert.Throws<UserError>(() => FreeRun.Run(network, data, warmup, removed: [5]));
        Assert.Contains("post/K", error.Message);
    }

    [Fact]
    public void TracesWithMeasuredVoltagesAreTheTeacherForcedCurrents()
    {
        Network network = Model();
        Dataset data = TeacherForcingTests.Synthetic(3000, neurons: 2);
        int warmup = network.WarmupSamples;
        CurrentTraces traces = ModelAnalysis.Traces(network, data, warmup, gamma: 1f);
        FreeRunResult forced = FreeRun.Run(network, data, warmup, gamma: 1f);
        Assert.Equal(["post/fast", "post/K", "post/syn"], traces.Currents);
        for (int c = 0; c < 3; c++) { Assert.Equal(forced.Currents[c], traces.CurrentNa[c]); }
        Assert.All(traces.ConductanceUs[0], g => Assert.True(float.IsNaN(g)));
        // A gating current is its conductance times the driving force at the measured voltage.
        var k = (GatingCurrent)network.Currents.ElementAt(1);
        for (int s = 0; s < 100; s++)
        {
            float v = data.Neurons[0].V[warmup + s];
            Assert.Equal(traces.CurrentNa[1][s], traces.ConductanceUs[1][s] * (v - k.E), 4);
        }
    }
}
