using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Rig.Tests;

/// <summary>
/// The built-in simulator against the independent Brian2 simulation of shared/data/synthetic: the
/// spontaneous figures in its README (neuron A: period 0.840 s, 10 spikes per burst; half-centre:
/// period 1.077 s, 11 spikes per burst, anti-phase 0.500), after the same 10 s warm-up.
/// </summary>
public sealed class CircuitTests(ITestOutputHelper output)
{
    private static Dataset Spontaneous(Circuit circuit, double seconds)
    {
        double[] zero = new double[circuit.NeuronCount];
        circuit.Advance(10_000, zero);
        int samples = (int)(seconds * 10_000);
        float[][] stimulus = Enumerable.Range(0, circuit.NeuronCount).Select(_ => new float[samples]).ToArray();
        return circuit.Record(stimulus, 0.1, "spontaneous");
    }

    [Fact]
    public void NeuronABurstsLikeTheReferenceSimulation()
    {
        Dataset d = Spontaneous(Circuit.SingleStg(), 12);
        double[] spikes = Spikes.Detect(d.Neurons[0].V, d.DtMs);
        BurstStats b = BurstAnalysis.Analyse(spikes, BurstAnalysis.DefaultGapMs(spikes));
        output.WriteLine($"neuron A: period {b.PeriodMs:0.0} ms, {b.SpikesPerBurst:0.00} spikes/burst, duty {b.DutyCycle:0.00}, V range [{d.Neurons[0].V.Min():0.0}, {d.Neurons[0].V.Max():0.0}] mV");
        Assert.InRange(b.PeriodMs, 840 * 0.97, 840 * 1.03);
        Assert.InRange(b.SpikesPerBurst, 9.5, 10.5);
        Assert.InRange(d.Neurons[0].V.Min(), -74, -69);
        Assert.InRange(d.Neurons[0].V.Max(), 43, 50);
    }

    [Fact]
    public void HalfCentreOscillatesInAntiPhaseLikeTheReferenceSimulation()
    {
        Dataset d = Spontaneous(Circuit.HalfCentre(), 15);
        double[] s1 = Spikes.Detect(d.Neurons[0].V, d.DtMs), s2 = Spikes.Detect(d.Neurons[1].V, d.DtMs);
        double gap = BurstAnalysis.DefaultGapMs(s1);
        BurstStats b1 = BurstAnalysis.Analyse(s1, gap), b2 = BurstAnalysis.Analyse(s2, gap);
        double phase = BurstAnalysis.MeanPhase(b1.Onsets, b2.Onsets);
        output.WriteLine($"HCO: periods {b1.PeriodMs:0.0} / {b2.PeriodMs:0.0} ms, spikes/burst {b1.SpikesPerBurst:0.00} / {b2.SpikesPerBurst:0.00}, phase {phase:0.000}");
        Assert.InRange(b1.PeriodMs, 1077 * 0.97, 1077 * 1.03);
        Assert.InRange(b2.PeriodMs, 1077 * 0.97, 1077 * 1.03);
        Assert.InRange(b1.SpikesPerBurst, 10.5, 11.5);
        Assert.InRange(phase, 0.45, 0.55);
        // The true synaptic current is inhibitory (negative) whenever V_post is above E_syn.
        Assert.True(d.Extra["Isyn1"].Max() <= 1e-3f);
        Assert.True(d.Extra["Isyn1"].Min() < -0.3f);
    }

    /// <summary>
    /// The STG cell's step to the last bit, as it was when every exponential was Math.Exp (2 s of neuron A and lp-4, 1 s at
    /// 0 nA then 1 s at 0.5 nA, with a synaptic conductance): the eight-wide exponentials changed the speed, not the
    /// recordings. Its pow and log are still the platform's, so the bits are glibc's on Linux x86-64.
    /// </summary>
    [SkippableTheory]
    [InlineData("a", 0xC051AA3E6B0F74C9UL)]
    [InlineData("lp-4", 0xC04B9A8902DA0E9EUL)]
    public void TheStgCellStepsAsItDidBitForBit(string cell, ulong finalVoltageBits)
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
            && System.Runtime.Intrinsics.X86.Fma.IsSupported, "the recorded bits are those of glibc's exp, pow and log on x86-64 with FMA");
        var neuron = new StgNeuron(StgConductances.Named(cell));
        for (int step = 0; step < 400_000; step++)
        {
            neuron.Step(0.005, step < 200_000 ? 0 : 0.5, 0.01, -0.5);
        }

        Assert.Equal(finalVoltageBits, BitConverter.DoubleToUInt64Bits(neuron.V));
    }

    [Fact]
    public void HodgkinHuxleyFiresRepetitivelyAboveRheobaseAndRestsBelow()
    {
        var below = new Circuit([new HodgkinHuxleyNeuron()], []);
        var above = new Circuit([new HodgkinHuxleyNeuron()], []);
        float[] weak = Enumerable.Repeat(0.1f, 5000).ToArray(), strong = Enumerable.Repeat(1.5f, 5000).ToArray();
        double[] sBelow = Spikes.Detect(below.Record([weak], 0.1, "hh").Neurons[0].V, 0.1, 0, -40);
        double[] sAbove = Spikes.Detect(above.Record([strong], 0.1, "hh").Neurons[0].V, 0.1, 0, -40);
        output.WriteLine($"HH: {sBelow.Length} spikes at 0.1 nA, {sAbove.Length} spikes in 500 ms at 1.5 nA");
        Assert.Empty(sBelow);
        Assert.InRange(sAbove.Length, 25, 45);   // 15 µA/cm² drives ≈ 60–80 Hz tonic firing
    }

    [Fact]
    public void StimulusFollowsItsSpecAndIsReproducible()
    {
        float[] a = StimulusSpec.SingleNeuron.Generate(200_000, 0.1, 7);
        float[] b = StimulusSpec.SingleNeuron.Generate(200_000, 0.1, 7);
        Assert.Equal(a, b);
        Assert.InRange(a.Min(), -0.8f, -0.3f);
        Assert.InRange(a.Max(), 1.0f, 1.5f);
        Assert.All(a, x => Assert.Equal(Math.Round(x * 1e4), x * 1e4, 2));
        Assert.NotEqual(a, StimulusSpec.SingleNeuron.Generate(200_000, 0.1, 8));
    }

    /// <summary>
    /// Rest steps: with a rest probability of 0.3, stretches of exactly 0 nA (no noise) at least one
    /// shortest step long fill about 30% of the record; with 0, the stimulus is the reference protocol's,
    /// sample for sample (rest steps draw no random numbers unless asked for).
    /// </summary>
    [Fact]
    public void RestStepsAreSilentStretchesAndLeaveTheReferenceProtocolUnchanged()
    {
        const int samples = 1_200_000;   // 120 s: about 110 steps
        StimulusSpec withRest = StimulusSpec.SingleNeuron with { RestProbability = 0.3 };
        float[] rest = withRest.Generate(samples, 0.1, 7);
        Assert.Equal(StimulusSpec.SingleNeuron.Generate(samples, 0.1, 7), (StimulusSpec.SingleNeuron with { RestProbability = 0 }).Generate(samples, 0.1, 7));

        // Runs of exact zeros at least 200 ms long: the rest steps (OU noise alone never stays at 0 that long).
        (int stretches, double fraction) = RestStretches(rest);
        output.WriteLine($"rest steps: {stretches} stretches, {fraction:0.0%} of 120 s");
        Assert.InRange(fraction, 0.18, 0.42);
        Assert.Equal(0, RestStretches(StimulusSpec.SingleNeuron.Generate(samples, 0.1, 7)).Stretches);
        Assert.Throws<UserError>(() => BuiltInData.Simulate("stg", 1, 1, restProbability: 1.5));
    }

    private static (int Stretches, double Fraction) RestStretches(float[] current)
    {
        int run = 0, inRest = 0, stretches = 0;
        foreach (float x in current.Append(1f))
        {
            if (x == 0)
            {
                run++;
                continue;
            }

            if (run >= 2000)
            {
                inRest += run;
                stretches++;
            }

            run = 0;
        }

        return (stretches, (double)inRest / current.Length);
    }
}

/// <summary>The stimulus classes models are judged on and never trained on (issue 17).</summary>
public sealed class ProbeStimuliTests
{
    [Fact]
    public void EachProbeIsWhatItsNameSays()
    {
        const double dt = 0.1;
        float[] ramp = ProbeStimuli.Generate("ramp", 10, dt, 1);
        Assert.Equal(-0.5f, ramp[0], 5);
        Assert.Equal(1.5f, ramp[^1], 5);

        // The chirp's zero crossings (of its 0.25 nA offset) come faster and faster: 0.1 Hz at the start, 10 Hz at the end.
        float[] chirp = ProbeStimuli.Generate("chirp", 20, dt, 1);
        int Crossings(int from, int to) => Enumerable.Range(from + 1, to - from - 1).Count(k => (chirp[k - 1] - 0.25f) * (chirp[k] - 0.25f) < 0);
        Assert.InRange(Crossings(0, 20_000), 0, 2);
        Assert.InRange(Crossings(180_000, 200_000), 25, 45);

        float[] steps = ProbeStimuli.Generate("steps", 15, dt, 1);
        Assert.Equal([-0.9f, 0f, 0.15f, 0.45f, 0.8f, 1.4f], steps.Distinct().Order().ToArray());
        Assert.Equal(0f, steps[5_000]);      // each step follows 1 s at 0 nA
        Assert.Equal(-0.9f, steps[15_000]);

        float[] noise = ProbeStimuli.Generate("noise", 60, dt, 3);
        double mean = noise.Average(x => (double)x), sd = Math.Sqrt(noise.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(mean, 0.35, 0.45);
        Assert.InRange(sd, 0.3, 0.4);
        Assert.Throws<UserError>(() => ProbeStimuli.Generate("square", 1, dt, 1));
    }
}
