using RmmEdge.Rig;
using RmmEdge.Rig.Numerics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

public sealed class DatasetTests(ITestOutputHelper output)
{
    /// <summary>
    /// The authors' pre-filter (zero-phase Butterworth, 2 kHz, 3rd order) on a simulated STG recording
    /// with 0.2 mV of white measurement noise (as shared/data/synthetic's noisy files): the noise left
    /// must fall to well under its original SD, every spike must keep its time, the currents must not change.
    /// </summary>
    [Fact]
    public void LowPassingVoltagesRemovesMeasurementNoiseAndKeepsSpikeTimes()
    {
        Dataset clean = BuiltInData.Simulate("stg", 4, seed: 1);
        var random = new Random(7);
        float[] noisyV = clean.Neurons[0].V.Select(v => v + 0.2f * (float)random.NextGaussian()).ToArray();
        var noisy = new Dataset("noisy", clean.DtMs, [new NeuronTrace("cell", noisyV, clean.Neurons[0].I)]);

        Dataset filtered = noisy.LowPassVoltages(2000);
        Dataset filteredClean = clean.LowPassVoltages(2000);
        double before = Rms(noisyV, clean.Neurons[0].V), after = Rms(filtered.Neurons[0].V, filteredClean.Neurons[0].V);
        double[] spikes = Spikes.Detect(clean.Neurons[0].V, clean.DtMs), kept = Spikes.Detect(filteredClean.Neurons[0].V, clean.DtMs);
        output.WriteLine($"noise {before:0.000} mV -> {after:0.000} mV after the 2 kHz low-pass; {spikes.Length} spikes, " +
            $"largest shift {spikes.Zip(kept, (a, b) => Math.Abs(a - b)).DefaultIfEmpty().Max():0.00} ms");

        Assert.InRange(before, 0.19, 0.21);
        Assert.True(after < 0.15, $"noise left {after:0.000} mV");
        Assert.True(spikes.Length > 10);
        Assert.Equal(spikes.Length, kept.Length);
        Assert.All(spikes.Zip(kept), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.1, $"spike at {p.First} ms moved to {p.Second} ms"));
        Assert.Equal(noisy.Neurons[0].I, filtered.Neurons[0].I);
        Assert.NotSame(noisyV, filtered.Neurons[0].V);
    }

    [Fact]
    public void ALowPassCutoffAtOrAboveNyquistIsRefusedNamingTheRecord()
    {
        Dataset data = BuiltInData.Simulate("stg", 1, seed: 1);
        var error = Assert.Throws<UserError>(() => data.LowPassVoltages(5000));
        Assert.Contains("5000 Hz", error.Message);
        Assert.Contains(data.Source, error.Message);
    }

    private static double Rms(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Average());
}
