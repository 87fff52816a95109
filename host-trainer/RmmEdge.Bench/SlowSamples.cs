namespace RmmEdge.Bench;

/// <summary>
/// The samples where a cell is between spikes and bursts and moves slowly: below −40 mV, with a mean slope over the
/// next 1 ms under 0.3 mV/ms. The one-step dv/dt error of a model there is what its interbursts, and so its rhythm, and a
/// synapse's identification depend on (`anatomy`, `half-centre`).
/// </summary>
internal static class SlowSamples
{
    /// <summary>Whether sample <paramref name="k"/> of <paramref name="v"/> (mV, step <paramref name="dtMs"/>) is slow; false within 1 ms of the end.</summary>
    public static bool Is(float[] v, int k, double dtMs)
    {
        int window = (int)Math.Round(1 / dtMs);
        float dt = (float)dtMs;
        return k + window < v.Length && v[k] < -40 && Math.Abs((v[k + window] - v[k]) / (window * dt)) < 0.3f;
    }
}
