using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>How a hybrid half-centre (a simulated cell and a model neuron, coupled by model synapses) ran.</summary>
/// <param name="Cell">Bursts of the cell after the settling time.</param>
/// <param name="Model">Bursts of the model neuron after the settling time.</param>
/// <param name="OnsetPhase">Circular mean phase of the model's burst onsets in the cell's cycle (0.5: anti-phase).</param>
/// <param name="Overlap">Fraction of the model's spikes inside the cell's bursts.</param>
public sealed record HybridOutcome(BurstStats Cell, BurstStats Model, double OnsetPhase, double Overlap)
{
    /// <summary>
    /// Both burst (three or more bursts each) at the same period (within 5 %), in alternation (at most 5 %
    /// of the model's spikes inside the cell's bursts, onset phase 0.3–0.7): a half-centre.
    /// </summary>
    public bool Alternates => Cell.Bursts >= 3 && Model.Bursts >= 3 && Math.Abs(Model.PeriodMs / Cell.PeriodMs - 1) <= 0.05
        && Overlap <= 0.05 && OnsetPhase is >= 0.3 and <= 0.7;

    public override string ToString() => Cell.Bursts < 2 || Model.Bursts < 2
        ? $"no alternating bursts (cell {Cell.Bursts} bursts, model {Model.Bursts})"
        : $"cell {Cell.PeriodMs:0} ms, model {Model.PeriodMs:0} ms, onset phase {OnsetPhase:0.00}, {Overlap:0%} of the model's spikes inside the cell's bursts";
}

/// <summary>
/// The hybrid half-centre of the demo and the board tests: a trained single-neuron model, model
/// synapses both ways designed as the reference half-centre's graded synapses (30 nS, −80 mV;
/// <see cref="SynapseFit"/>), and the built-in STG cell (Prinz neuron A). <see cref="Build"/> makes the
/// network the board runs; <see cref="RunFloat"/> runs it in float on the host against the simulated
/// cell, closed loop, so that a model can be judged for the circuit before it goes to a board.
/// </summary>
public static class HybridCircuit
{
    /// <summary>The synapse every hybrid is designed as: neuron 0 onto neuron 1, 30 nS.</summary>
    public static readonly GradedSynapse Design = new(0, 1, 0.030);

    /// <summary>Injected current limit (nA), as on the board.</summary>
    public const double CurrentLimitNa = 3;

    /// <summary>The hybrid network around <paramref name="neuron"/> (a trained single-neuron network): its intrinsic current copied, the synapses fitted.</summary>
    public static Network Build(Network neuron, int synapseEpochs = 20)
    {
        CurrentSpec intrinsic = neuron.Spec.Neurons[0].Currents![0];
        var hybrid = new Network(NetworkSpec.Hybrid(neuron.DtMs, intrinsic.Mlp.Hidden).WithIntrinsicBankSize(intrinsic.Bank.TauMs.Length), seed: 1);
        hybrid.CopyFrom(neuron);
        float[] presynaptic = SynapseFit.HalfCentreTrace(Design, neuron.DtMs);
        foreach (GatingCurrent synapse in hybrid.Currents.OfType<GatingCurrent>())
        {
            SynapseFit.Fit(synapse, Design, presynaptic, neuron.DtMs, synapseEpochs);
        }

        return hybrid;
    }

    /// <summary>
    /// The hybrid in float on the host for <paramref name="seconds"/>: the cell's voltage is measured each step,
    /// the model (from −60 mV, as the board starts it) steps, and the synapse's current (clipped to
    /// ±<see cref="CurrentLimitNa"/> nA) drives the cell. Bursts are judged after <paramref name="settleSeconds"/>.
    /// </summary>
    public static HybridOutcome RunFloat(Network hybrid, double seconds = 10, double settleSeconds = 4)
    {
        double dt = hybrid.DtMs;
        int steps = (int)(seconds * 1000 / dt), settle = (int)(settleSeconds * 1000 / dt);
        var cell = Circuit.SingleStg();
        var model = new NetworkRunner(hybrid);
        model.Reset([-60f, -60f]);
        int cellSynapse = Array.FindIndex(model.Currents, k => k.Owner == 1);
        float[] none = new float[2], measured = new float[2];
        float[] cellV = new float[steps], modelV = new float[steps];
        for (int k = 0; k < steps; k++)
        {
            measured[1] = cellV[k] = (float)cell.Voltage(0);
            model.Step(none, measured, 0f);
            modelV[k] = model.Voltages[0];
            cell.Advance(dt, [Math.Clamp(-model.CurrentValues[cellSynapse], -CurrentLimitNa, CurrentLimitNa)]);
        }

        return Judge(cellV.AsSpan(Math.Min(settle, steps)), modelV.AsSpan(Math.Min(settle, steps)), dt);
    }

    /// <summary>Bursts of both neurons (burst gap of the reference half-centre), onset phase and overlap.</summary>
    public static HybridOutcome Judge(ReadOnlySpan<float> cellV, ReadOnlySpan<float> modelV, double dtMs)
    {
        double gap = BurstAnalysis.DefaultGapMs(Spikes.Detect(SynapseFit.HalfCentreTrace(Design, dtMs), dtMs));
        double[] cellSpikes = Spikes.Detect(cellV, dtMs), modelSpikes = Spikes.Detect(modelV, dtMs);
        BurstStats c = BurstAnalysis.Analyse(cellSpikes, gap), m = BurstAnalysis.Analyse(modelSpikes, gap);
        double phase = c.Bursts >= 2 && m.Bursts >= 1 ? BurstAnalysis.MeanPhase(c.Onsets, m.Onsets) : double.NaN;
        return new HybridOutcome(c, m, phase, c.FractionInside(modelSpikes));
    }
}
