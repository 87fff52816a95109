namespace RmmEdge.Trainer.Training;

/// <summary>
/// Per-sample loss weights that favour slow dynamics, shared by teacher forcing and multiple shooting
/// so that both stages minimise the same weighted error.
/// </summary>
internal static class SlopeWeights
{
    /// <summary>
    /// w_k ∝ 1 / (1 + |dv/dt_k| / <paramref name="slopeScale"/>) for the samples k of
    /// <paramref name="samples"/>, normalised to mean 1 there (0 elsewhere); null when the scale is not
    /// positive (uniform weights). dv/dt is the mean slope over <paramref name="windowMs"/>: a finite
    /// difference of noisy voltage is noise (0.2 mV SD at 0.1 ms gives 2.8 mV/ms), which would
    /// otherwise decide the weights.
    /// </summary>
    public static float[]? Compute(float[] v, IReadOnlyList<int> samples, float slopeScale, double dtMs, double windowMs = 1)
    {
        if (!(slopeScale > 0))
        {
            return null;
        }

        int half = Math.Max(0, (int)Math.Round(windowMs / dtMs / 2));
        var w = new float[v.Length];
        double sum = 0;
        foreach (int k in samples)
        {
            // Mean slope over the window = (v[k+half+1] − v[k−half]) / (window): a difference of voltages, no loop.
            int lo = Math.Max(0, k - half), hi = Math.Min(v.Length - 1, k + half + 1);
            float slope = (v[hi] - v[lo]) / (float)((hi - lo) * dtMs);
            w[k] = 1f / (1f + Math.Abs(slope) / slopeScale);
            sum += w[k];
        }

        float norm = (float)(samples.Count / sum);
        foreach (int k in samples) { w[k] *= norm; }
        return w;
    }
}
