using RmmEdge.Emulator;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Board;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Tests.Board;
using RmmEdge.Trainer.Tests.Compile;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Emulator;

/// <summary>
/// Hybrid half-centre oscillator (issue 7): a simulated "biological" STG neuron on the amplifier of a
/// virtual STM32F769I-DISCOVERY, and on the board the RMM of neuron A (trained on the synthetic data)
/// coupled to it by model synapses both ways, designed as the reference half-centre's graded synapses
/// (30 nS, −80 mV, SynapseFit). The board reads the cell's voltage, steps the model neuron and its
/// synapse from the cell, and injects its synapse's current into the cell. The pair must settle into
/// anti-phase bursting (phase 0.5 ± 0.1) with a burst period within 15% of the fully simulated circuit.
/// </summary>
[Collection(RealTimeEngines.Name)]
public sealed class HybridCircuitTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void ABiologicalAndAModelNeuronCoupledByModelSynapsesOscillateInAntiPhase()
    {
        Network neuronA = NeuronAModel.Network;
        var hybrid = new Network(NetworkSpec.Hybrid(neuronA.DtMs), seed: 1);
        string[] designed = hybrid.CopyFrom(neuronA);
        Assert.All(designed, name => Assert.Contains("/syn", name));   // only the synapses are new
        float[] presynaptic = NeuronAModel.Test.Neurons[0].V;
        foreach (GatingCurrent synapse in hybrid.Currents.OfType<GatingCurrent>())
        {
            double rms = SynapseFit.Fit(synapse, new GradedSynapse(0, 1, 0.030), presynaptic, neuronA.DtMs);
            output.WriteLine($"{synapse.QualifiedName}: fitted to the graded synapse, RMS error of the activation {rms:0.000}");
            Assert.True(rms < 0.25);
        }

        byte[] model = Quantizer.Compile(hybrid, 16, out _);
        var cell = new CellPreparation(Circuit.SingleStg(), 0);
        var run = new RunConfiguration
        {
            Mode = RunConfiguration.ModeHybrid, Engine = BoardInfo.EngineNative, PeriodUs = 100,
            CurrentMin = -(3 << 16), CurrentMax = 3 << 16, ValidMin = -120 << 16, ValidMax = 70 << 16,
            ElectrodeLossMs = 20, OverrunStreak = 10, MeasuredNeuron = 1, OutputNeuron = 1,
        };
        EmulationResult result = Emulation.Run(new EmulationSetup(model, BoardProfile.Load("stm32f769i-discovery"), 0, run, cell, 20,
            new VirtualBoardOptions { AdcReadUs = 2, DacWriteUs = 1, StepUs = 60 }));
        output.WriteLine(result.Summary);

        // Bursts of the cell (its true voltage) and of the model neuron, after 4 s of settling.
        double dt = 0.1;
        int settle = (int)(4000 / dt);
        float[] cellV = cell.Samples.Select(s => (float)s[0]).ToArray();
        float[] modelV = result.ModelVoltages![0];
        double[] cellSpikes = Spikes.Detect(cellV.AsSpan(Math.Min(settle, cellV.Length)), dt);
        double[] modelSpikes = Spikes.Detect(modelV.AsSpan(Math.Min(settle, modelV.Length)), dt);
        var spontaneous = Circuit.HalfCentre();
        spontaneous.Advance(10_000, [0.0, 0.0]);
        Dataset free = spontaneous.Record([new float[200_000], new float[200_000]], dt, "half-centre, spontaneous");
        double[] freeSpikes = Spikes.Detect(free.Neurons[0].V, dt);
        double gap = BurstAnalysis.DefaultGapMs(freeSpikes);
        BurstStats target = BurstAnalysis.Analyse(freeSpikes, gap);
        BurstStats c = BurstAnalysis.Analyse(cellSpikes, gap), m = BurstAnalysis.Analyse(modelSpikes, gap);
        double phase = BurstAnalysis.MeanPhase(c.Onsets, m.Onsets);
        double periodError = c.PeriodMs / target.PeriodMs - 1;
        output.WriteLine($"hybrid: cell period {c.PeriodMs:0.0} ms ({c.Bursts} bursts, {c.SpikesPerBurst:0.0} spikes/burst), model neuron {m.PeriodMs:0.0} ms " +
            $"({m.Bursts} bursts, {m.SpikesPerBurst:0.0}), phase {phase:0.000}; fully simulated half-centre {target.PeriodMs:0.0} ms; period error {periodError:+0.0%;-0.0%}");
        Assert.InRange(phase, 0.3, 0.7);
        Assert.True(Math.Abs(m.PeriodMs / c.PeriodMs - 1) <= 0.05, "the model neuron and the cell must burst at the same period (1:1)");
        Assert.True(Math.Abs(periodError) <= 0.15, $"hybrid period {c.PeriodMs:0.0} ms vs {target.PeriodMs:0.0} ms");
    }
}
