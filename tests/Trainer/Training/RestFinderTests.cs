using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class RestFinderTests
{
    /// <summary>
    /// A sweep at 10 kHz: 300 ms of baseline at −70 mV (noise 0.3 mV), a 1 s step of 0.2 nA during
    /// which the cell fires (a 60 mV spike every 50 ms), then 500 ms of slow return from −76 to −70 mV.
    /// </summary>
    private static NeuronTrace Sweep(int seed, float currentNoiseNa = 0f, float holdingNa = 0.02f)
    {
        var random = new Random(seed);
        const int baseline = 3000, step = 10000, tail = 5000;
        float[] v = new float[baseline + step + tail], i = new float[v.Length];
        for (int k = 0; k < v.Length; k++)
        {
            float noise = 0.3f * (float)(random.NextDouble() * 2 - 1);
            if (k < baseline) { v[k] = -70f + noise; }
            else if (k < baseline + step) { v[k] = -55f + ((k - baseline) % 500 < 10 ? 60f : 0f) + noise; }
            else { v[k] = -70f - 6f * MathF.Exp(-(k - baseline - step) / 1500f) + noise; }

            i[k] = holdingNa + (k >= baseline && k < baseline + step ? 0.2f : 0f) + currentNoiseNa * (float)(random.NextDouble() * 2 - 1);
        }

        return new NeuronTrace("cell", v, i);
    }

    private static Dataset Sweeps(float currentNoiseNa = 0f) =>
        Dataset.Concatenate("sweeps", Enumerable.Range(0, 3).Select(s => new Dataset($"s{s}", 0.1, [Sweep(s, currentNoiseNa)])).ToArray());

    [Theory]
    [InlineData(0f)]
    [InlineData(0.005f)]
    public void FindsTheBaselineOnceAndNotTheStepOrTheReturn(float currentNoiseNa)
    {
        IReadOnlyList<Rest> rests = RestFinder.Find(Sweeps(currentNoiseNa), 0, transient: 1000);

        // One current, one rest: the baselines (2000 samples after the transient in each sweep) and the
        // end of the slow return are all at 0.02 nA; the longest stretch speaks for them.
        Rest rest = Assert.Single(rests);
        Assert.InRange(rest.VoltageMv, -70.5f, -69.5f);
        Assert.InRange(rest.CurrentNa, 0.015f, 0.025f);
        Assert.True(rest.Length >= 1900, $"{rest.Length} samples");
    }

    [Fact]
    public void ANoiseStimulusHasNoRest()
    {
        // An Ornstein–Uhlenbeck current (τ 5 ms, SD 0.1 nA) and the membrane's low-passed answer to it.
        var random = new Random(4);
        float[] v = new float[20000], i = new float[20000];
        double current = 0, voltage = -60;
        for (int k = 0; k < v.Length; k++)
        {
            current += -current * 0.1 / 5 + 0.1 * Math.Sqrt(2 * 0.1 / 5) * (random.NextDouble() * 2 - 1) * Math.Sqrt(3);
            voltage += 0.1 / 20 * (-60 - voltage + 100 * current);
            i[k] = (float)current;
            v[k] = (float)voltage;
        }

        Assert.Empty(RestFinder.Find(new Dataset("noise", 0.1, [new NeuronTrace("cell", v, i)]), 0, transient: 0));
    }

    [Fact]
    public void ASlowWaveIsNotARest()
    {
        float[] v = new float[20000], i = new float[20000];
        for (int k = 0; k < v.Length; k++) { v[k] = -55f + 5f * MathF.Sin(2 * MathF.PI * k / 10000f); }
        Assert.Empty(RestFinder.Find(new Dataset("slow wave", 0.1, [new NeuronTrace("cell", v, i)]), 0, transient: 0));
    }

    [Fact]
    public void AMeasuredCurrentHeldOverUpsampledStepsStillHasItsRest()
    {
        Dataset measured = Sweeps(currentNoiseNa: 0.005f);
        IReadOnlyList<Rest> rests = RestFinder.Find(measured.Upsample(4), 0, transient: 4000);
        Assert.True(rests.Count == 1, string.Join("; ", RestFinder.Find(measured.Upsample(4), 0, transient: 0).Select(r => $"{r} {r.Start} {r.Length} {r.DriftMv}")));
    }
}
