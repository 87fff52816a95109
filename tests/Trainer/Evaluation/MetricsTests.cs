using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Numerics;
using Xunit;

namespace RmmEdge.Trainer.Tests.Evaluation;

public sealed class MetricsTests
{
    /// <summary>A trace at −60 mV with 1 ms spikes to +20 mV at the given times (ms), dt = 0.1 ms.</summary>
    private static float[] Trace(double durationMs, params double[] spikeTimes)
    {
        float[] v = Enumerable.Repeat(-60f, (int)(durationMs / 0.1)).ToArray();
        foreach (double t in spikeTimes)
        {
            int k = (int)Math.Round(t / 0.1);
            for (int i = 0; i < 10 && k + i < v.Length; i++) { v[k + i] = 20f; }
        }

        return v;
    }

    [Fact]
    public void SpikesNeedTheRearmThreshold()
    {
        // A spike, then a dip to −30 mV (above the −35 mV re-arm level), then a second crossing: one spike.
        float[] v = Trace(100, 10);
        for (int k = 110; k < 250; k++) { v[k] = -30f; }
        for (int k = 250; k < 260; k++) { v[k] = 10f; }
        Assert.Single(Spikes.Detect(v, 0.1));
        for (int k = 220; k < 230; k++) { v[k] = -40f; }   // now it dips below −35 mV: re-armed
        Assert.Equal(2, Spikes.Detect(v, 0.1).Length);
    }

    [Fact]
    public void SpikeTimesAreInterpolatedCrossings()
    {
        double[] t = Spikes.Detect(Trace(50, 12.3), 0.1);
        Assert.Single(t);
        Assert.InRange(t[0], 12.1, 12.4);
    }

    [Fact]
    public void GammaIsOneForIdenticalTrainsAndNearZeroForUnrelatedOnes()
    {
        double[] a = Enumerable.Range(1, 50).Select(i => i * 97.0).ToArray();
        Assert.Equal(1.0, Coincidence.Gamma(a, a, 4, 5000), 10);
        double[] shifted = a.Select(t => t + 40).ToArray();
        Assert.InRange(Coincidence.Gamma(a, shifted, 4, 5000), -0.2, 0.05);
        double[] jittered = a.Select((t, i) => t + (i % 2 == 0 ? 3.0 : -3.0)).ToArray();
        Assert.Equal(1.0, Coincidence.Gamma(a, jittered, 4, 5000), 6);
        Assert.True(Coincidence.Gamma(a, jittered, 2, 5000) < 0.1);
    }

    [Fact]
    public void EachModelSpikeMatchesAtMostOnce()
    {
        // Two data spikes 2 ms apart, one model spike between them: one coincidence, not two.
        Assert.Equal(1, Coincidence.CountCoincidences([100, 102], [101], 4));
    }

    [Fact]
    public void GammaUsesTheDataRateForChance()
    {
        // Γ = 2/(1 − 2νΔ)·(N_coinc − 2νΔ N_data)/(N_data + N_model), ν = N_data / T.
        double[] data = [100, 200, 300, 400], model = [100, 250];
        double nu = 4 / 1000.0, delta = 4;
        double expected = 2 / (1 - 2 * nu * delta) * (1 - 2 * nu * delta * 4) / 6;
        Assert.Equal(expected, Coincidence.Gamma(data, model, delta, 1000), 12);
    }

    [Fact]
    public void IntrinsicReliabilityIsTheMeanGammaOverOrderedPairs()
    {
        double[] a = [100, 300, 500, 700], b = [101, 302, 505, 900], c = [100, 300, 650, 700];
        double expected = new[]
        {
            Coincidence.Gamma(a, b, 4, 1000), Coincidence.Gamma(b, a, 4, 1000), Coincidence.Gamma(a, c, 4, 1000),
            Coincidence.Gamma(c, a, 4, 1000), Coincidence.Gamma(b, c, 4, 1000), Coincidence.Gamma(c, b, 4, 1000),
        }.Average();
        Assert.Equal(expected, Coincidence.IntrinsicReliability([a, b, c], 4, 1000), 12);
        Assert.Equal(1.0, Coincidence.IntrinsicReliability([a, a], 4, 1000), 12);
    }

    [Fact]
    public void BurstsAreFoundAndEdgesDropped()
    {
        // 6 bursts of 4 spikes (10 ms apart), every 500 ms.
        var spikes = new List<double>();
        for (int b = 0; b < 6; b++) { for (int s = 0; s < 4; s++) { spikes.Add(100 + b * 500 + s * 10); } }
        double gap = BurstAnalysis.DefaultGapMs(spikes);
        Assert.Equal(50, gap, 9);
        BurstStats stats = BurstAnalysis.Analyse(spikes, gap);
        Assert.Equal(4, stats.Bursts);
        Assert.Equal(500, stats.PeriodMs, 9);
        Assert.Equal(4, stats.SpikesPerBurst, 9);
        Assert.Equal(30.0 / 500, stats.DutyCycle, 9);
    }

    [Fact]
    public void AntiPhaseIsOneHalf()
    {
        double[] a = [0, 1000, 2000, 3000], b = [500, 1500, 2500];
        Assert.Equal(0.5, BurstAnalysis.MeanPhase(a, b), 12);
    }

    /// <summary>
    /// The issue-17 case: burst phases 0.523, 0.532, 0.397, 0.01 and 0.561 average arithmetically to
    /// 0.405, but on the circle to 0.503 with resultant length 0.54; and 0.99 with 0.01 is 0, not 0.5.
    /// </summary>
    [Fact]
    public void PhaseIsACircularMeanWithItsResultantLength()
    {
        CircularPhase p = CircularPhase.Of([0.523, 0.532, 0.397, 0.01, 0.561]);
        Assert.Equal(0.503, p.Mean, 3);
        Assert.Equal(0.54, p.Resultant, 2);
        Assert.Equal(5, p.Count);
        CircularPhase wrap = CircularPhase.Of([0.99, 0.01]);
        Assert.True(wrap.Mean < 0.001 || wrap.Mean > 0.999, $"mean {wrap.Mean}");
        Assert.Equal(0.998, wrap.Resultant, 3);
        Assert.Equal(0, CircularPhase.Of([0.0, 0.5]).Resultant, 9);
        Assert.True(double.IsNaN(CircularPhase.Of([]).Mean));

        // Through the burst onsets: the follower at 0.25, 0.75 of alternate cycles has no preferred phase.
        double[] leader = [0, 100, 200, 300, 400];
        Assert.Equal(0.5, BurstAnalysis.Phase(leader, [50, 150, 250, 350]).Mean, 9);
        Assert.Equal(0, BurstAnalysis.Phase(leader, [25, 175, 225, 375]).Resultant, 9);
    }

    [Fact]
    public void AngularSeparationIsOneForIdenticalTracesAndLowerForShiftedOnes()
    {
        float[] a = Trace(3000, 200, 700, 1200, 1700, 2200);
        float[] b = Trace(3000, 450, 950, 1450, 1950, 2450);
        var s = SpikeMetricSettings.Lp;
        Assert.Equal(1.0, SpikeSensitiveMetric.AngularSeparation(a, a, 0.1, s), 9);
        double shifted = SpikeSensitiveMetric.AngularSeparation(a, b, 0.1, s);
        Assert.InRange(shifted, 0, 0.05);
    }

    [Fact]
    public void ButterworthHasUnitGainInItsPassbandAndBlocksDc()
    {
        var lp = Butterworth.LowPass(6, 500, 10000);
        var hp = Butterworth.HighPass(3, 20, 10000);
        double[] dc = Enumerable.Repeat(1.0, 20000).ToArray();
        double[] copy = (double[])dc.Clone();
        Butterworth.Filter(lp, dc);
        Assert.Equal(1.0, dc[^1], 6);
        Butterworth.Filter(hp, copy);
        Assert.Equal(0.0, copy[^1], 3);
        double[] sine = Enumerable.Range(0, 20000).Select(k => Math.Sin(2 * Math.PI * 100 * k / 10000.0)).ToArray();
        double[] f = (double[])sine.Clone();
        Butterworth.FiltFilt(hp, f);
        Butterworth.FiltFilt(lp, f);
        for (int k = 5000; k < 15000; k += 37) { Assert.Equal(sine[k], f[k], 2); }
    }

    /// <summary>
    /// The smoothing of the selection metric adds, to every output sample, each input's rounded product in input
    /// order, several outputs at once: bit for bit the scalar scatter it is defined by, near both ends of the
    /// record too, and zero where no input reaches.
    /// </summary>
    [Fact]
    public void GaussianSmoothingIsTheScalarScatterBitForBit()
    {
        var random = new Random(3);
        double[] x = new double[5003];
        for (int n = 0; n < x.Length; n++) { x[n] = random.NextDouble() < 0.002 ? 40 * random.NextDouble() : 0; }
        x[0] = 7.25;
        x[^1] = 3.5;
        const double sigma = 37.3;
        double[] fast = SpikeSensitiveMetric.GaussianSmooth(x, sigma);

        int half = (int)Math.Ceiling(4 * sigma);
        double[] kernel = new double[2 * half + 1];
        double sum = 0;
        for (int i = -half; i <= half; i++) { kernel[i + half] = Math.Exp(-0.5 * i * i / (sigma * sigma)); sum += kernel[i + half]; }
        for (int i = 0; i < kernel.Length; i++) { kernel[i] /= sum; }
        double[] reference = new double[x.Length];
        for (int n = 0; n < x.Length; n++)
        {
            if (x[n] == 0) { continue; }
            for (int m = Math.Max(0, n - half); m <= Math.Min(x.Length - 1, n + half); m++) { reference[m] += x[n] * kernel[m - n + half]; }
        }

        Assert.Equal(reference.Select(BitConverter.DoubleToInt64Bits), fast.Select(BitConverter.DoubleToInt64Bits));
        Assert.Contains(fast, v => v == 0);
    }

    /// <summary>An error that rounds to zero prints as "+0.0%", never as "-+0.0%" (.NET's two-section format does that).</summary>
    [Fact]
    public void AnErrorThatRoundsToZeroPrintsWithOneSign()
    {
        BurstStats Bursts(double period, double spikes) => new(100, 10, period, spikes, 0.3, [], []);
        var score = new NeuronScore("n", 1, 100, 100, 0.5, 4, Bursts(1000, 5), Bursts(999.9996, 4.999), 0.1, false);
        string text = score.ToString();
        Assert.Contains("(+0.0%)", text);
        Assert.Contains("(+0.00)", text);
        Assert.DoesNotContain("-+", text);
    }

    /// <summary>
    /// The trained voltage range is the span the voltage input's normalisation maps to [−1, 1], and the score counts
    /// the samples of the model's and of the data's voltage outside it (after the run's start, every segment).
    /// </summary>
    [Fact]
    public void TheScoreCountsTheSamplesOutsideTheTrainedVoltageRange()
    {
        var network = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.SingleNeuron(0.1, [4]), seed: 1);
        RmmEdge.Trainer.Model.NeuronModel neuron = network.Models[0];
        foreach (RmmEdge.Trainer.Model.Current current in neuron.Currents)
        {
            int states = current.Bank.Size;
            current.FitNormalization(-80f, 50f, Enumerable.Repeat(-80f, states).ToArray(), Enumerable.Repeat(50f, states).ToArray());
        }

        Assert.Equal((-80f, 50f), neuron.TrainedVoltageRange);

        // Two segments of 1,000 samples, each scored from sample 100: the model leaves the range on 30 + 20 of the
        // 1,800 scored samples, the data on 9 (its 50 below the range before the start do not count; −80 and +50 are inside).
        float[] dataV = Enumerable.Repeat(-60f, 1000).ToArray();
        for (int k = 0; k < 50; k++) { dataV[k] = -120f; }
        for (int k = 500; k < 509; k++) { dataV[k] = 55f; }
        dataV[600] = -80f;
        dataV[601] = 50f;
        float[] modelV = Enumerable.Repeat(-60f, 900).ToArray();
        for (int k = 0; k < 30; k++) { modelV[k] = -95f; }
        float[] modelV2 = Enumerable.Repeat(-60f, 900).ToArray();
        for (int k = 800; k < 820; k++) { modelV2[k] = 51f; }
        var data = new RmmEdge.Trainer.Data.Dataset("range", 0.1, [new RmmEdge.Trainer.Data.NeuronTrace("neuron", dataV, new float[1000])]);
        var flat = new RmmEdge.Trainer.Data.Dataset("flat", 0.1, [new RmmEdge.Trainer.Data.NeuronTrace("neuron", Enumerable.Repeat(-60f, 1000).ToArray(), new float[1000])]);
        NeuronScore score = Scoring.Score(network, [(data, new FreeRunResult(100, [modelV], [new float[900]], false)), (flat, new FreeRunResult(100, [modelV2], [new float[900]], false))])[0];
        Assert.Equal(50.0 / 1800, score.ModelOutsideTrainedRange, 12);
        Assert.Equal(9.0 / 1800, score.DataOutsideTrainedRange, 12);
    }

    /// <summary>A data trace's feature kept by <see cref="DataFeatures"/> gives the same angular separation to the bit, and is computed once per trace and start.</summary>
    [Fact]
    public void AKeptDataFeatureGivesTheSameSeparation()
    {
        var random = new Random(3);
        float[] data = Enumerable.Range(0, 6000).Select(i => (float)(-50 + 60 * Math.Max(0, Math.Sin(i * 0.05)) + random.NextDouble())).ToArray();
        float[] model = Enumerable.Range(0, 5000).Select(i => (float)(-50 + 60 * Math.Max(0, Math.Sin(i * 0.051 + 0.3)))).ToArray();
        var settings = new SpikeMetricSettings();
        var kept = new DataFeatures();
        double[] first = kept.Of(data, 1000, 0.1, settings);
        Assert.Same(first, kept.Of(data, 1000, 0.1, settings));
        Assert.NotSame(first, kept.Of(data, 999, 0.1, settings));
        double plain = SpikeSensitiveMetric.AngularSeparation(data.AsSpan(1000), model, 0.1, settings);
        Assert.Equal(BitConverter.DoubleToInt64Bits(plain), BitConverter.DoubleToInt64Bits(SpikeSensitiveMetric.AngularSeparation(first, model, 0.1, settings)));
        Assert.Throws<ArgumentException>(() => SpikeSensitiveMetric.AngularSeparation(first, model.AsSpan(1), 0.1, settings));
    }
}
