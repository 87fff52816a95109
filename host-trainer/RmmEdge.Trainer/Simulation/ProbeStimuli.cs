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
                {
                    double f0 = 0.1, f1 = 10, duration = seconds, rate = Math.Log(f1 / f0) / duration, phase = 0;
                    for (int k = 0; k < n; k++)
                    {
                        double t = k * dtMs / 1000;
                        current[k] = (float)(0.25 + 0.5 * Math.Sin(2 * Math.PI * phase));
                        phase += f0 * Math.Exp(rate * t) * dtMs / 1000;
                    }

                    break;
                }

            case "ramp":
                for (int k = 0; k < n; k++) { current[k] = (float)(-0.5 + 2.0 * k / Math.Max(1, n - 1)); }
                break;
            case "steps":
                {
                    double[] levels = [-0.9, 0.15, 0.45, 1.4, 0.8];
                    for (int k = 0; k < n; k++)
                    {
                        double t = k * dtMs / 1000 % (3 * levels.Length);
                        int step = (int)(t / 3);
                        current[k] = t - 3 * step < 1 ? 0f : (float)levels[step];
                    }

                    break;
                }

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
