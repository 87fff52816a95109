namespace RmmEdge.Trainer.Simulation;

/// <summary>
/// The deterministic stimulus shapes the probes (<see cref="ProbeStimuli"/>) and the selection record
/// (<see cref="SelectionStimuli"/>) are made of, each filling a buffer of samples at a step (nA).
/// </summary>
public static class StimulusShapes
{
    /// <summary><paramref name="offsetNa"/> + <paramref name="amplitudeNa"/>·sin of a phase whose frequency rises exponentially from <paramref name="fromHz"/> to <paramref name="toHz"/> over the buffer.</summary>
    public static void Chirp(Span<float> current, double dtMs, double fromHz, double toHz, double offsetNa, double amplitudeNa)
    {
        double duration = current.Length * dtMs / 1000, rate = Math.Log(toHz / fromHz) / duration, phase = 0;
        for (int k = 0; k < current.Length; k++)
        {
            double t = k * dtMs / 1000;
            current[k] = (float)(offsetNa + amplitudeNa * Math.Sin(2 * Math.PI * phase));
            phase += fromHz * Math.Exp(rate * t) * dtMs / 1000;
        }
    }

    /// <summary>A straight line from <paramref name="fromNa"/> at the first sample to <paramref name="toNa"/> at the last.</summary>
    public static void Ramp(Span<float> current, double fromNa, double toNa)
    {
        int n = current.Length;
        for (int k = 0; k < n; k++) { current[k] = (float)(fromNa + (toNa - fromNa) * k / Math.Max(1, n - 1)); }
    }

    /// <summary>Each level in turn held <paramref name="holdSeconds"/> after <paramref name="restSeconds"/> at 0 nA, repeated to fill the buffer.</summary>
    public static void Steps(Span<float> current, double dtMs, IReadOnlyList<double> levels, double restSeconds, double holdSeconds)
    {
        double cycle = restSeconds + holdSeconds;
        for (int k = 0; k < current.Length; k++)
        {
            double t = k * dtMs / 1000 % (cycle * levels.Count);
            int step = (int)(t / cycle);
            current[k] = t - cycle * step < restSeconds ? 0f : (float)levels[step];
        }
    }
}
