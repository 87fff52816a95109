using RmmEdge.Rig.Neurons;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Interpretation;

public sealed class ConstantCurrentResponseTests(ITestOutputHelper output)
{
    private const double Dt = 0.1;

    [Fact]
    public void AFlatTraceIsSilentAtItsVoltage()
    {
        ActivitySummary a = ActivitySummary.Classify(Enumerable.Repeat(-62.5f, 10_000).ToArray(), Dt);
        Assert.Equal(FiringPattern.Silent, a.Kind);
        Assert.Equal(-62.5f, a.MaxMv);
        Assert.Equal("silent at -62.5 mV", a.ToString());
    }

    [Fact]
    public void RegularSpikesAreTonicAndGroupedSpikesAreBursts()
    {
        // Spikes are 1 ms pulses to +20 mV from −60 mV.
        float[] Trace(IEnumerable<double> spikeTimesMs, int samples)
        {
            float[] v = Enumerable.Repeat(-60f, samples).ToArray();
            foreach (double t in spikeTimesMs)
            {
                for (int k = (int)(t / Dt); k < Math.Min(samples, (int)(t / Dt) + 10); k++) { v[k] = 20f; }
            }

            return v;
        }

        ActivitySummary tonic = ActivitySummary.Classify(Trace(Enumerable.Range(0, 50).Select(i => 50.0 + i * 40.0), 22_000), Dt);
        Assert.Equal(FiringPattern.Tonic, tonic.Kind);
        Assert.Equal(40.0, tonic.PeriodMs, 1);

        // Bursts of 6 spikes 15 ms apart every 700 ms.
        var burstTimes = Enumerable.Range(0, 8).SelectMany(b => Enumerable.Range(0, 6).Select(s => 100.0 + b * 700 + s * 15));
        ActivitySummary bursting = ActivitySummary.Classify(Trace(burstTimes, 60_000), Dt);
        Assert.Equal(FiringPattern.Bursting, bursting.Kind);
        Assert.Equal(700.0, bursting.PeriodMs, 1);
        Assert.Equal(6.0, bursting.SpikesPerBurst, 6);

        // Two lone spikes far apart: neither regular nor bursts.
        ActivitySummary lone = ActivitySummary.Classify(Trace([300.0, 900.0, 4000.0], 60_000), Dt);
        Assert.Equal(FiringPattern.SingleSpikes, lone.Kind);
    }

    /// <summary>
    /// The built-in neuron A against the independent simulator's documented responses (shared/data/synthetic
    /// README, Brian2): silent near −68.7 mV at −0.5 nA, bursting at 0.840 s with 10 spikes at 0 nA, at
    /// 0.610 s with 10.5 at +0.5 nA, tonic at 37.6 Hz at +2 nA.
    /// </summary>
    [Fact]
    public void TheBuiltInNeuronARespondsAsTheReferenceSimulatorDocuments()
    {
        double[] currents = [-0.5, 0, 0.5, 2.0];
        ActivitySummary[][] r = ConstantCurrentResponse.OfCircuit(Circuit.SingleStg, currents, Dt);
        for (int c = 0; c < currents.Length; c++) { output.WriteLine($"{currents[c]:+0.0;-0.0} nA: {r[c][0]}"); }

        Assert.Equal(FiringPattern.Silent, r[0][0].Kind);
        Assert.InRange(r[0][0].MaxMv, -69.7f, -67.7f);
        Assert.Equal(FiringPattern.Bursting, r[1][0].Kind);
        Assert.InRange(r[1][0].PeriodMs, 840 * 0.98, 840 * 1.02);
        Assert.Equal(10.0, r[1][0].SpikesPerBurst, 0.5);
        Assert.Equal(FiringPattern.Bursting, r[2][0].Kind);
        Assert.InRange(r[2][0].PeriodMs, 610 * 0.97, 610 * 1.03);
        Assert.Equal(FiringPattern.Tonic, r[3][0].Kind);
        Assert.InRange(r[3][0].RateHz, 37.6 * 0.95, 37.6 * 1.05);
    }

    [Fact]
    public void ANetworkWithMeasuredNeuronsCannotFreeRunFromRest()
    {
        var network = new Network(NetworkSpec.Hybrid(Dt), seed: 1);
        Assert.Throws<ArgumentException>(() => ConstantCurrentResponse.OfModel(network, [0.0]));
    }

    /// <summary>
    /// The neuron-A model (trained on the synthetic noise-and-steps record) under constant currents,
    /// printed beside the cell. What it must share with the cell: silence when hyperpolarised, firing
    /// when depolarised. Whether it bursts at rest as the cell does is printed: it does not (a few single
    /// spikes at 0 nA; the record's noise never stops), which is why the hybrid circuit's model neuron
    /// is trained with rest steps (next test).
    /// </summary>
    [SkippableFact]
    public void TheNeuronAModelIsSilentWhenHyperpolarisedAndFiresWhenDepolarised()
    {
        Network model = NeuronAModel.Network;
        double[] currents = ConstantCurrentResponse.StandardCurrentsNa;
        ActivitySummary[][] m = ConstantCurrentResponse.OfModel(model, currents);
        ActivitySummary[][] cell = ConstantCurrentResponse.OfCircuit(Circuit.SingleStg, currents, model.DtMs);
        for (int c = 0; c < currents.Length; c++) { output.WriteLine($"{currents[c]:+0.00;-0.00} nA: model {m[c][0]}; cell {cell[c][0]}"); }

        Assert.Equal(FiringPattern.Silent, m[0][0].Kind);
        Assert.True(m[0][0].MaxMv < -60, $"hyperpolarised model at {m[0][0].MaxMv:0.0} mV");
        Assert.True(m[^1][0].RateHz > 1, "the depolarised model must fire");
    }
}
