using RmmEdge.Rig;
using RmmEdge.Rig.Numerics;

namespace RmmEdge.Trainer.Simulation;

/// <summary>
/// An informative injected current: an Ornstein–Uhlenbeck process (exact discretisation) plus random
/// steps, clipped and rounded to 0.1 pA — the protocol of the reference data (shared/data/synthetic):
/// it explores sub-threshold, bursting and hyperpolarised regimes within a minute.
/// </summary>
/// <param name="OuTauMs">OU correlation time.</param>
/// <param name="OuSdNa">OU stationary standard deviation.</param>
/// <param name="StepMinMs">Shortest step.</param>
/// <param name="StepMaxMs">Longest step.</param>
/// <param name="StepLowNa">Lowest step amplitude.</param>
/// <param name="StepHighNa">Highest step amplitude.</param>
/// <param name="ZeroProbability">Probability that a step's level is 0.</param>
/// <param name="ClipLowNa">Lower clip.</param>
/// <param name="ClipHighNa">Upper clip.</param>
public sealed record StimulusSpec(double OuTauMs, double OuSdNa, double StepMinMs, double StepMaxMs,
    double StepLowNa, double StepHighNa, double ZeroProbability, double ClipLowNa, double ClipHighNa)
{
    /// <summary>The "A_train" protocol for neuron A.</summary>
    public static StimulusSpec SingleNeuron { get; } = new(100, 0.20, 200, 2000, -0.60, 1.20, 0.25, -0.80, 1.50);

    /// <summary>The "HCO1_train" protocol for the half-centre oscillator.</summary>
    public static StimulusSpec HalfCentre { get; } = new(100, 0.15, 200, 2000, -0.40, 0.80, 0.30, -0.60, 1.10);

    /// <summary>
    /// The identification protocol that `rmm protocol` writes for a cell whose useful range of steps is
    /// <paramref name="lowNa"/>…<paramref name="highNa"/> (nA): <see cref="SingleNeuron"/>'s shape
    /// (random steps of 0.2–2 s, a quarter of them at 0, OU noise of 100 ms) scaled to that range (noise
    /// SD a ninth of it, clipped a ninth of it below and a sixth above; (−0.6, 1.2) gives SingleNeuron), with a fraction <paramref name="rest"/> of rest
    /// steps (the cell's own rhythm) and a fraction <paramref name="quiet"/> of the others held without
    /// noise (the cell's response to constant current at each level).
    /// </summary>
    public static StimulusSpec Protocol(double lowNa, double highNa, double rest, double quiet)
    {
        if (!(lowNa < highNa) || !double.IsFinite(lowNa) || !double.IsFinite(highNa))
        {
            throw new UserError($"protocol range {lowNa}:{highNa} nA: expected LOW:HIGH with LOW < HIGH");
        }

        double span = highNa - lowNa;
        return new StimulusSpec(100, span / 9, 200, 2000, lowNa, highNa, 0.25, lowNa - span / 9, highNa + span / 6)
        {
            RestProbability = rest,
            QuietProbability = quiet,
        };
    }

    /// <summary>
    /// Probability that a step is a rest step: exactly 0 nA, the OU noise held off too, so the record
    /// shows the cell's own rhythm (a spontaneous burster bursts through it). 0 in the reference
    /// protocol, where the noise never stops and a model can learn to burst only when driven: neuron-A
    /// models trained on it fire single spikes or sit at a fixed point at 0 nA (see BuiltInData.Simulate).
    /// </summary>
    public double RestProbability { get; init; }

    /// <summary>
    /// Probability that a step that is not a rest step is quiet: its level held without the OU noise,
    /// so the record shows what the cell does under constant current at that level (0 in the reference
    /// protocol). A model that only ever saw noise around each level has never had to keep firing, or
    /// bursting, at a constant depolarised level.
    /// </summary>
    public double QuietProbability { get; init; }

    /// <summary><paramref name="samples"/> values (nA) at step <paramref name="dtMs"/>, reproducible for a seed.</summary>
    public float[] Generate(int samples, double dtMs, int seed)
    {
        var random = new Random(seed);
        float[] current = new float[samples];
        double decay = Math.Exp(-dtMs / OuTauMs), kick = OuSdNa * Math.Sqrt(1 - decay * decay);
        double ou = OuSdNa * random.NextGaussian(), level = 0;
        int stepEnd = 0;
        bool rest = false, quiet = false;
        for (int k = 0; k < samples; k++)
        {
            if (k >= stepEnd)
            {
                stepEnd = k + (int)Math.Round((StepMinMs + random.NextDouble() * (StepMaxMs - StepMinMs)) / dtMs);
                level = random.NextDouble() < ZeroProbability ? 0 : StepLowNa + random.NextDouble() * (StepHighNa - StepLowNa);
                rest = RestProbability > 0 && random.NextDouble() < RestProbability;   // no extra draw in the reference protocol
                quiet = !rest && QuietProbability > 0 && random.NextDouble() < QuietProbability;
            }

            double value = rest ? 0 : Math.Clamp(level + (quiet ? 0 : ou), ClipLowNa, ClipHighNa);
            current[k] = (float)(Math.Round(value * 1e4) / 1e4);
            ou = ou * decay + kick * random.NextGaussian();
        }

        return current;
    }
}
