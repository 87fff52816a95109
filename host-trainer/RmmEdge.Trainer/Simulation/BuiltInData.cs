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

    /// <summary>"stg" (Prinz neuron A), "hco" (half-centre of two neuron-A cells), "hh" (Hodgkin–Huxley).</summary>
    public static Dataset Simulate(string system, double seconds, int seed)
    {
        if (!(seconds > 0) || seconds > 3600)
        {
            throw new UserError($"a simulated recording lasts between 0 and 3600 s, not {seconds}");
        }

        int samples = (int)Math.Round(seconds * 1000 / DtMs);
        (Circuit circuit, StimulusSpec stimulus) = system.ToLowerInvariant() switch
        {
            "stg" => (Circuit.SingleStg(), StimulusSpec.SingleNeuron),
            "hco" => (Circuit.HalfCentre(), StimulusSpec.HalfCentre),
            "hh" => (new Circuit([new HodgkinHuxleyNeuron()], []), StimulusSpec.SingleNeuron),
            _ => throw new UserError($"unknown system '{system}'; use stg, hco or hh"),
        };
        int n = circuit.NeuronCount;
        circuit.Advance(10_000, new double[n]);
        float[][] currents = Enumerable.Range(0, n).Select(i => stimulus.Generate(samples, DtMs, seed * 100 + i)).ToArray();
        return circuit.Record(currents, DtMs, $"built-in {system} simulation ({seconds:0.###} s, seed {seed})");
    }
}
