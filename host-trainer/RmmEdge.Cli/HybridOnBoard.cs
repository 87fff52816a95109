using RmmEdge.Emulator;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>One emulated hybrid run: the compiled model, the cell on the amplifier, the board's record and the verdict.</summary>
public sealed record HybridRun(byte[] Model, CellPreparation Cell, EmulationResult Result, HybridOutcome Outcome, RunConfiguration Run);

/// <summary>
/// The hybrid half-centre on an emulated board (native engine, virtual time): a trained single-neuron
/// model with designed synapses (<see cref="HybridCircuit.Build"/>), compiled to 16 bits, and the
/// built-in STG cell on the amplifier. What the demo shows and the board tests check, and the
/// acceptance a model for the hybrid must pass before it is kept (<see cref="Accept"/>): the circuit
/// judged is the one that will run, with the board's arithmetic, converters and timing.
/// </summary>
public static class HybridOnBoard
{
    /// <summary>Bursts are judged after this settling time (s).</summary>
    public const double SettleSeconds = 4;

    public static HybridRun Run(Network neuron, BoardProfile board, double seconds, double stepUs, IProgress<double>? progress = null) =>
        Run(Quantizer.Compile(HybridCircuit.Build(neuron), 16, out _), neuron.DtMs, board, seconds, stepUs, progress);

    /// <summary>The same, for a hybrid already built and compiled (<paramref name="model"/>, step <paramref name="dtMs"/>).</summary>
    public static HybridRun Run(byte[] model, double dtMs, BoardProfile board, double seconds, double stepUs, IProgress<double>? progress = null)
    {
        var cell = new CellPreparation(Circuit.SingleStg(), 0);
        var run = new RunConfiguration
        {
            Mode = RunConfiguration.ModeHybrid, Engine = BoardInfo.EngineNative, PeriodUs = (uint)Math.Round(dtMs * 1000),
            CurrentMin = -(3 << 16), CurrentMax = 3 << 16, ValidMin = -120 << 16, ValidMax = 70 << 16,
            ElectrodeLossMs = 20, OverrunStreak = 10, MeasuredNeuron = 1, OutputNeuron = 1,
        };
        EmulationResult result = Emulation.Run(new EmulationSetup(model, board, 0, run, cell, seconds,
            new VirtualBoardOptions { AdcReadUs = 2, DacWriteUs = 1, StepUs = stepUs }, progress));
        float[] cellV = cell.Samples.Select(s => (float)s[0]).ToArray();
        float[] modelV = result.ModelVoltages![0];
        int settle = (int)(SettleSeconds * 1000 / dtMs);
        HybridOutcome outcome = HybridCircuit.Judge(cellV.AsSpan(Math.Min(settle, cellV.Length)), modelV.AsSpan(Math.Min(settle, modelV.Length)), dtMs);
        return new HybridRun(model, cell, result, outcome, run);
    }

    /// <summary>
    /// A neuron model is fit for the hybrid when it does at rest what the cell does (<paramref name="check"/>) and
    /// its hybrid on the board alternates with the cell for <paramref name="seconds"/>.
    /// </summary>
    public static Acceptance Accept(Network neuron, ConstantCurrentCheck check, BoardProfile board, double seconds = 10, double stepUs = 60)
    {
        Acceptance atRest = Acceptance.AtRest(neuron, check);
        if (!atRest.Accepted)
        {
            return atRest;
        }

        HybridOutcome outcome = Run(neuron, board, seconds, stepUs).Outcome;
        return new Acceptance(outcome.Alternates, $"{atRest.Text}; hybrid on {board.Id}: {outcome}");
    }
}
