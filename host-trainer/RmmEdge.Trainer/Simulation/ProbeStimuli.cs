using RmmEdge.Rig;

namespace RmmEdge.Trainer.Simulation;

/// <summary>
/// Stimulus classes a model is judged on and never trained on (metrics.md, "Generalisation"; issue 17):
/// a chirp, a slow ramp, steps of amplitudes outside the training protocol's range and between its
/// levels, and OU noise of another mean, spread and correlation time. The training protocol
/// (<see cref="StimulusSpec"/>) is OU noise (100 ms, 0.2 nA) on random steps of −0.6…1.2 nA.
/// </summary>
public static class ProbeStimuli
{
    public static IReadOnlyList<string> Names { get; } = ["chirp", "ramp", "steps", "noise"];

    /// <summary>
    /// <paramref name="seconds"/> of stimulus <paramref name="name"/> at <paramref name="dtMs"/> (nA):
    /// chirp — 0.25 + 0.5·sin of a phase whose frequency rises exponentially from 0.1 to 10 Hz;
    /// ramp — −0.5 to +1.5 nA; steps — 2 s at −0.9, 0.15, 0.45, 1.4, 0.8 nA, each after 1 s at 0 nA,
    /// repeated; noise — OU with mean 0.4 nA, SD 0.35 nA, τ 30 ms.
    /// </summary>
    public static float[] Generate(string name, double seconds, double dtMs, int seed)
    {
        int n = (int)Math.Round(seconds * 1000 / dtMs);
        float[] current = new float[n];
        switch (name)
        {
            case "chirp":
                StimulusShapes.Chirp(current, dtMs, 0.1, 10, 0.25, 0.5);
                break;
            case "ramp":
                StimulusShapes.Ramp(current, -0.5, 1.5);
                break;
            case "steps":
                StimulusShapes.Steps(current, dtMs, [-0.9, 0.15, 0.45, 1.4, 0.8], 1, 2);
                break;
            case "noise":
                {
                    var spec = new StimulusSpec(30, 0.35, 1e6, 1e6, 0.4, 0.4, 0, -2, 3);   // one step of 1,000 s: a constant mean
                    current = spec.Generate(n, dtMs, seed);
                    break;
                }

            default:
                throw new UserError($"unknown probe stimulus '{UserError.Printable(name)}'; known: {string.Join(", ", Names)}");
        }

        return current;
    }
}
