using RmmEdge.Cli;
using RmmEdge.Emulator;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Emulator.Tests;

/// <summary>
/// Hybrid half-centre oscillator (issue 7): a simulated "biological" STG neuron (Prinz neuron A) on the
/// amplifier of a virtual STM32F769I-DISCOVERY, and on the board an RMM of neuron A coupled to it by
/// model synapses both ways, designed as the reference half-centre's graded synapses (30 nS, −80 mV,
/// SynapseFit). The board reads the cell's voltage, steps the model neuron and its synapse from the
/// cell, and injects its synapse's current into the cell. The model neuron is fitted the way a lab
/// would fit a cell it means to put in a circuit: on 60 s of the cell with 30% of the stimulus steps
/// at rest (BuiltInData.RhythmRestProbability), so that the model bursts on its own at 0 nA, as the cell
/// does (a model trained on the reference protocol sits at a fixed point there, and its hybrid ran 26%
/// fast). The pair must lock 1:1 in alternating bursts (at most 5% of the model's spikes inside the
/// cell's bursts, onset phase 0.3–0.7), at the period of the same hybrid run in float on the host
/// (within 5%: the board adds converters, fixed point and timing) and within 15% of the fully
/// simulated half-centre (issue 7).
/// </summary>
[Collection(RealTimeEngines.Name)]
public sealed class HybridCircuitTests(ITestOutputHelper output)
{
    /// <summary>The reference half-centre is simulated once per process; a caller that writes into its trace must not change the next caller's.</summary>
    [Fact]
    public void EachCallerOfTheReferenceHalfCentreGetsItsOwnTrace()
    {
        var design = new GradedSynapse(0, 1, 0.030);
        float[] first = SynapseFit.HalfCentreTrace(design, BuiltInData.DtMs);
        float[] kept = (float[])first.Clone();
        Array.Fill(first, 0f);
        float[] second = SynapseFit.HalfCentreTrace(design, BuiltInData.DtMs);
        Assert.Equal(kept, second);
        Assert.True(second.Max() > 0, "the reference cell spikes");
    }

    [Fact]
    public void ABiologicalAndAModelNeuronCoupledByModelSynapsesOscillateInAntiPhase()
    {
        Network neuronA = HybridNeuronModel.Network;
        var hybrid = new Network(NetworkSpec.Hybrid(neuronA.DtMs), seed: 1);
        string[] designed = hybrid.CopyFrom(neuronA);
        Assert.All(designed, name => Assert.Contains("/syn", name));   // only the synapses are new
        var design = new GradedSynapse(0, 1, 0.030);
        float[] presynaptic = SynapseFit.HalfCentreTrace(design, neuronA.DtMs);
        foreach (GatingCurrent synapse in hybrid.Currents.OfType<GatingCurrent>())
        {
            double rms = SynapseFit.Fit(synapse, design, presynaptic, neuronA.DtMs);
            output.WriteLine($"{synapse.QualifiedName}: fitted to the graded synapse, RMS error of the activation {rms:0.000}");
            Assert.True(rms < 0.1);
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
        double[] freeSpikes = Spikes.Detect(presynaptic, dt);   // the synapses' design trace is the spontaneous reference half-centre
        double gap = BurstAnalysis.DefaultGapMs(freeSpikes);
        BurstStats target = BurstAnalysis.Analyse(freeSpikes, gap);
        BurstStats c = BurstAnalysis.Analyse(cellSpikes, gap), m = BurstAnalysis.Analyse(modelSpikes, gap);
        double phase = BurstAnalysis.MeanPhase(c.Onsets, m.Onsets), midpointPhase = BurstAnalysis.MeanPhase(c.Midpoints, m.Midpoints);
        double overlap = c.FractionInside(modelSpikes);

        // The same hybrid in float on the host: the cell and the float network, closed loop, same clip.
        BurstStats f = HybridCircuit.RunFloat(hybrid, 20, 4).Cell;
        double boardError = c.PeriodMs / f.PeriodMs - 1, modelError = c.PeriodMs / target.PeriodMs - 1;

        // Why the hybrid is faster than the circuit it replaces: the model neuron alone, without current.
        var alone = Circuit.SingleStg();
        alone.Advance(10_000, [0.0]);
        Dataset rest = alone.Record([new float[200_000]], dt, "neuron A at rest");
        NeuronScore atRest = Scoring.Score(neuronA, rest, FreeRun.Run(neuronA, rest, neuronA.WarmupSamples))[0];

        output.WriteLine($"hybrid on the board: cell period {c.PeriodMs:0.0} ms ({c.Bursts} bursts, {c.SpikesPerBurst:0.0} spikes/burst, duty {c.DutyCycle:0.00}), " +
            $"model neuron {m.PeriodMs:0.0} ms ({m.Bursts} bursts, {m.SpikesPerBurst:0.0}, duty {m.DutyCycle:0.00}); phase of onsets {phase:0.000}, of midpoints " +
            $"{midpointPhase:0.000}; model spikes inside the cell's bursts {overlap:0.0%}");
        output.WriteLine($"same hybrid in float on the host: {f.PeriodMs:0.0} ms ({f.SpikesPerBurst:0.0} spikes/burst): board {boardError:+0.0%;-0.0%}; " +
            $"fully simulated half-centre {target.PeriodMs:0.0} ms ({target.SpikesPerBurst:0.0}): hybrid {modelError:+0.0%;-0.0%} (issue 7's bar: 15%)");
        output.WriteLine($"the neuron model without current, 20 s: {atRest.ModelSpikes} spikes against the cell's {atRest.DataSpikes} " +
            $"(bursts of {atRest.DataBursts.SpikesPerBurst:0.0} every {atRest.DataBursts.PeriodMs:0} ms)");
        Assert.True(Math.Abs(m.PeriodMs / c.PeriodMs - 1) <= 0.05, "the model neuron and the cell must burst at the same period (1:1)");
        Assert.True(overlap <= 0.05, $"{overlap:0.0%} of the model neuron's spikes fall inside the cell's bursts");
        Assert.InRange(phase, 0.3, 0.7);
        Assert.True(Math.Abs(boardError) <= 0.05, $"board period {c.PeriodMs:0.0} ms vs {f.PeriodMs:0.0} ms in float");
        Assert.True(Math.Abs(modelError) <= 0.15, $"hybrid period {c.PeriodMs:0.0} ms vs {target.PeriodMs:0.0} ms in the simulated half-centre");
    }

    /// <summary>
    /// The classic dynamic-clamp half-centre on a two-channel board: two uncoupled simulated STG cells,
    /// one on each amplifier channel of a virtual ESP32-DevKitC (12-bit ADC with its bend, 8-bit DACs,
    /// native engine at 10 kHz), coupled only by the board's model synapses (NetworkSpec.ClampedPair,
    /// designed as the reference graded synapses, 30 nS, −80 mV). They must lock 1:1 in anti-phase
    /// (0.5 ± 0.1) with the burst period of the same two cells coupled by the same model synapses in
    /// float on the host, within 5% (the board adds converters, fixed point and timing, nothing else);
    /// no DAC code may wrap. The period against the graded-synapse half-centre is printed: it measures
    /// the synapse design (SynapseFit), not the board.
    /// </summary>
    [Fact]
    public void TwoBiologicalCellsCoupledByModelSynapsesOnTwoChannelsFormAHalfCentre()
    {
        var pair = new Network(NetworkSpec.ClampedPair(BuiltInData.DtMs), seed: 1);
        var design = new GradedSynapse(0, 1, 0.030);
        float[] presynaptic = SynapseFit.HalfCentreTrace(design, BuiltInData.DtMs);
        foreach (GatingCurrent synapse in pair.Currents.OfType<GatingCurrent>())
        {
            double rms = SynapseFit.Fit(synapse, design, presynaptic, BuiltInData.DtMs);
            output.WriteLine($"{synapse.QualifiedName}: fitted to the graded synapse, RMS error of the activation {rms:0.000}");
        }

        byte[] model = Quantizer.Compile(pair, 16, out _);
        var cells = new Circuit([new StgNeuron(StgConductances.Bursting), new StgNeuron(StgConductances.Bursting)], []);
        cells.Reset([-60, -45]);
        var preparation = new CellPreparation(cells, [0, 1]);
        var run = new RunConfiguration
        {
            Mode = RunConfiguration.ModeHybrid, Engine = BoardInfo.EngineNative, PeriodUs = 100,
            CurrentMin = -(int)(1.5 * 65536), CurrentMax = (int)(1.5 * 65536), ValidMin = -120 << 16, ValidMax = 70 << 16,
            ElectrodeLossMs = 20, OverrunStreak = 10,
            Channels = 2, MeasuredNeuron = 0, OutputNeuron = 0, MeasuredNeuron2 = 1, OutputNeuron2 = 1,
        };
        EmulationResult result = Emulation.Run(new EmulationSetup(model, BoardProfile.Load("esp32-devkitc"), 0, run, preparation, 20,
            new VirtualBoardOptions { AdcReadUs = 10, DacWriteUs = 2, StepUs = 40 }));
        output.WriteLine(result.Summary);
        Assert.Equal(0u, result.Status.Overruns);
        Assert.Equal(0, result.WrappedWrites);
        Assert.True(result.Writes2.Count > 150_000, "channel 2 must be written every step");

        double dt = 0.1;
        int settle = (int)(4000 / dt);
        double[] spikes1 = Spikes.Detect(preparation.Samples.Skip(settle).Select(v => (float)v[0]).ToArray(), dt);
        double[] spikes2 = Spikes.Detect(preparation.Samples.Skip(settle).Select(v => (float)v[1]).ToArray(), dt);
        // The same cells and the same model synapses in float, closed loop on the host: the board's reference.
        var floatCells = new Circuit([new StgNeuron(StgConductances.Bursting), new StgNeuron(StgConductances.Bursting)], []);
        floatCells.Reset([-60, -45]);
        var synapses = new NetworkRunner(pair);
        synapses.Reset([-60f, -60f]);   // as LoopCore starts the model on the board
        float[] none = new float[2], measured = new float[2];
        double[] injected = new double[2];
        var floatV = new List<double[]>();
        for (int k = 0; k < 200_000; k++)
        {
            measured[0] = (float)floatCells.Voltage(0);
            measured[1] = (float)floatCells.Voltage(1);
            floatV.Add([measured[0], measured[1]]);
            synapses.Step(none, measured, 0f);
            for (int c = 0; c < 2; c++) { injected[c] = Math.Clamp(-synapses.CurrentValues[c], -1.5, 1.5); }
            floatCells.Advance(dt, injected);
        }

        BurstStats f1 = BurstAnalysis.Analyse(Spikes.Detect(floatV.Skip(settle).Select(v => (float)v[0]).ToArray(), dt), BurstAnalysis.DefaultGapMs(spikes1));
        double[] freeSpikes = Spikes.Detect(presynaptic, dt);   // the synapses' design trace is the spontaneous reference half-centre
        double gap = BurstAnalysis.DefaultGapMs(freeSpikes);
        BurstStats target = BurstAnalysis.Analyse(freeSpikes, gap);
        BurstStats b1 = BurstAnalysis.Analyse(spikes1, gap), b2 = BurstAnalysis.Analyse(spikes2, gap);
        double phase = BurstAnalysis.MeanPhase(b1.Onsets, b2.Onsets);
        double boardError = b1.PeriodMs / f1.PeriodMs - 1, designError = f1.PeriodMs / target.PeriodMs - 1;
        double peak1 = result.Writes.Min(w => w.Output), peak2 = result.Writes2.Min(w => w.Output);
        output.WriteLine($"two-cell dynamic clamp on the board: cell 1 period {b1.PeriodMs:0.0} ms ({b1.Bursts} bursts, {b1.SpikesPerBurst:0.0} spikes/burst), " +
            $"cell 2 {b2.PeriodMs:0.0} ms ({b2.Bursts} bursts, {b2.SpikesPerBurst:0.0}), phase {phase:0.000}, strongest inhibition {peak1:0.00} / {peak2:0.00} nA");
        output.WriteLine($"same synapses in float on the host: {f1.PeriodMs:0.0} ms ({f1.SpikesPerBurst:0.0} spikes/burst): board {boardError:+0.0%;-0.0%}; " +
            $"graded-synapse half-centre {target.PeriodMs:0.0} ms ({target.SpikesPerBurst:0.0}): design {designError:+0.0%;-0.0%}");
        Assert.True(Math.Abs(b2.PeriodMs / b1.PeriodMs - 1) <= 0.05, "the two cells must burst at the same period (1:1)");
        Assert.InRange(phase, 0.4, 0.6);
        Assert.True(Math.Abs(boardError) <= 0.05, $"board period {b1.PeriodMs:0.0} ms vs {f1.PeriodMs:0.0} ms in float");
        Assert.True(peak1 < -0.2 && peak2 < -0.2, "both channels must inject inhibition");
    }

    /// <summary>
    /// The model neuron of the hybrid circuit (HybridNeuronModel: built-in neuron A recorded with 30% of
    /// the steps at rest) must burst at 0 nA, as the cell does: a half-centre needs each neuron to burst
    /// when released from inhibition. Its period and spikes per burst are printed beside the cell's.
    /// </summary>
    [Fact]
    public void AModelTrainedWithRestStepsBurstsAtZeroCurrentAsTheCellDoes()
    {
        Network model = HybridNeuronModel.Network;
        double[] currents = [-0.5, 0];
        ActivitySummary[][] m = ConstantCurrentResponse.OfModel(model, currents);
        ActivitySummary[][] cell = ConstantCurrentResponse.OfCircuit(Circuit.SingleStg, currents, model.DtMs);
        for (int c = 0; c < currents.Length; c++) { output.WriteLine($"{currents[c]:+0.00;-0.00} nA: model {m[c][0]}; cell {cell[c][0]}"); }

        Assert.Equal(FiringPattern.Bursting, cell[1][0].Kind);
        Assert.Equal(FiringPattern.Bursting, m[1][0].Kind);
        Assert.Equal(FiringPattern.Silent, m[0][0].Kind);
    }
}

/// <summary>
/// The RMM of neuron A that the hybrid tests put on the board: trained once per test run on the
/// built-in simulator's neuron A, 60 s with rest steps (BuiltInData.RhythmRestProbability), slope
/// weights 10 and input noise 0.02 (issue 3's recipe), 120 epochs, seed 1 (about 40 s on 2 cores).
/// </summary>
internal static class HybridNeuronModel
{
    private static readonly Lazy<Network> Trained = new(() =>
    {
        Dataset train = BuiltInData.Simulate("stg", 60, seed: 1, BuiltInData.RhythmRestProbability);
        var check = ConstantCurrentCheck.OfCircuit(() => Circuit.SingleStg(), 0, train.DtMs);
        var config = new TrainingConfig
        {
            Network = "single", Seed = 1,
            TeacherForcing = new TeacherForcingOptions { Epochs = 120, SlopeWeightScale = 10, InputNoise = 0.02f, ConstantCurrentCheck = check },
        };
        // As the demo does: the first of three seeds whose model bursts at rest and alternates with the cell on the board.
        BoardProfile board = BoardProfile.Load("stm32f769i-discovery");
        return TrainingPipeline.RunUntilAccepted(config, train, 3, network => HybridOnBoard.Accept(network, check, board),
            onSeed: (seed, _, verdict) => Console.WriteLine($"hybrid neuron model, seed {seed}: {verdict.Text}")).Network;
    });

    public static Network Network => Trained.Value;
}
