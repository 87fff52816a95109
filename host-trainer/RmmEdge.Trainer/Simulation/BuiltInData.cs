using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Trainer.Simulation;

/// <summary>
/// Recordings from the built-in simulator, made the way the reference data was (shared/data/synthetic):
/// 10 s of unrecorded warm-up without current, then the informative stimulus (OU noise + steps) at 10 kHz.
/// What the demo and a user without a rig train on.
/// </summary>
public static class BuiltInData
{
    public const double DtMs = 0.1;

    /// <summary>
    /// Fraction of rest steps (no current, no noise) in recordings made for a model that must keep the
    /// cells' own rhythm: the model neuron of a hybrid circuit, a half-centre model. Measured on neuron
    /// A, 60 s, 120 epochs, seeds 1–3, hybrid half-centre run in float: with 30% rest steps, slope
    /// weights 10 and input noise 0.02, all three models burst at 0 nA (about 500 ms, 2–4 spikes per
    /// burst; the cell 840 ms, 10) and their hybrids run within 13% of the simulated half-centre (−2.5,
    /// −12.6, −2.8%); with rest steps and the default loss, −9.8, +24.4 and +9.6% (not 1:1); the model
    /// trained on the reference protocol (shared/data/synthetic) fires single spikes at 0 nA and its
    /// hybrid runs 26% fast. On the half-centre (40 s, 100 epochs, seed 1, the same options), the pair
    /// model's free run on a held-out record with rest steps: −17.2% / −1.4% period, −1.70 / −0.43
    /// spikes per burst, where the pair trained without rest steps and slope weights gave −29.4% /
    /// −21.2% and −4.85 / −6.07.
    /// </summary>
    public const double RhythmRestProbability = 0.3;

    /// <summary>"stg" (Prinz neuron A), "hco" (half-centre of two neuron-A cells), "hh" (Hodgkin–Huxley).</summary>
    /// <param name="restProbability">Probability that a step of the stimulus is a rest step (StimulusSpec.RestProbability).</param>
    /// <param name="quietProbability">Probability that another step is held without noise (StimulusSpec.QuietProbability).</param>
    /// <param name="cell">stg and hco: a cell of StgConductances.Catalogue instead of neuron A.</param>
    /// <param name="synapseUs">hco: each synapse's conductance (µS; null: Circuit.HalfCentre's 30 nS).</param>
    public static Dataset Simulate(string system, double seconds, int seed, double restProbability = 0, double quietProbability = 0,
        string? cell = null, double? synapseUs = null)
    {
        if (!(seconds > 0) || seconds > 3600)
        {
            throw new UserError($"a simulated recording lasts between 0 and 3600 s, not {seconds}");
        }

        if (!(restProbability >= 0 && restProbability <= 1) || !(quietProbability >= 0 && quietProbability <= 1))
        {
            throw new UserError($"the fractions of rest and quiet steps are between 0 and 1, not {restProbability} and {quietProbability}");
        }

        string kind = system.ToLowerInvariant();
        if (cell is not null && kind == "hh")
        {
            throw new UserError("--cell applies to stg and hco (Prinz model neurons), not to hh");
        }

        if (synapseUs is not null && kind != "hco")
        {
            throw new UserError("--synapse-ns applies to hco only");
        }

        StgConductances g = cell is null ? StgConductances.Bursting : StgConductances.Named(cell);
        (Circuit circuit, StimulusSpec stimulus) = kind switch
        {
            "stg" => (Circuit.SingleStg(g), StimulusSpec.SingleNeuron),
            "hco" => (Circuit.HalfCentre(g, synapseUs ?? Circuit.HalfCentreSynapseUs), StimulusSpec.HalfCentre),
            "hh" => (new Circuit([new HodgkinHuxleyNeuron()], []), StimulusSpec.SingleNeuron),
            _ => throw new UserError($"unknown system '{UserError.Printable(system)}'; use stg, hco or hh"),
        };
        string name = cell is null ? system : $"{system} {cell}{(synapseUs is double us ? $" {us * 1000:0.#} nS" : "")}";
        return Record(circuit, stimulus with { RestProbability = restProbability, QuietProbability = quietProbability }, name, seconds, seed);
    }

    /// <summary>The unrecorded settle without current before every built-in record (ms).</summary>
    private const double SettleMs = 10_000;

    /// <summary>
    /// A single cell's selection record (<see cref="SelectionStimuli"/>): its segments one after another from
    /// the running cell, after the same 10 s settle as <see cref="Record"/>, each kept a segment of its own;
    /// the training segment is <paramref name="training"/> drawn with <paramref name="seed"/>.
    /// </summary>
    public static Dataset SelectionRecord(Circuit circuit, StimulusSpec training, string name, int seed)
    {
        circuit.Advance(SettleMs, new double[circuit.NeuronCount]);
        Dataset[] parts = SelectionStimuli.Names
            .Select(segment => circuit.Record([SelectionStimuli.Generate(segment, DtMs, training, seed)], DtMs, $"{name}, selection {segment}"))
            .ToArray();
        return Dataset.Concatenate($"built-in {name} selection record ({string.Join(", ", SelectionStimuli.Names)}; {SelectionStimuli.SegmentSeconds:0} s each, seed {seed})", parts);
    }

    /// <summary>
    /// <paramref name="seconds"/> of <paramref name="circuit"/> under <paramref name="stimulus"/> (one
    /// independent draw per neuron) after its 10 s unrecorded settle.
    /// </summary>
    public static Dataset Record(Circuit circuit, StimulusSpec stimulus, string name, double seconds, int seed)
    {
        int samples = (int)Math.Round(seconds * 1000 / DtMs);
        int n = circuit.NeuronCount;
        circuit.Advance(SettleMs, new double[n]);
        float[][] currents = Enumerable.Range(0, n).Select(i => stimulus.Generate(samples, DtMs, seed * 100 + i)).ToArray();
        string rest = (stimulus.RestProbability > 0 ? $", {stimulus.RestProbability:0.##} of the steps at rest" : "") +
            (stimulus.QuietProbability > 0 ? $", {stimulus.QuietProbability:0.##} of the others without noise" : "");
        return circuit.Record(currents, DtMs, $"built-in {name} simulation ({seconds:0.###} s, seed {seed}{rest})");
    }
}
