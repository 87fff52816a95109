using RmmEdge.Trainer.Data;

namespace RmmEdge.Trainer.Training;

/// <summary>A stretch where the cell was seen at rest: its mean voltage and the current held.</summary>
/// <param name="Start">First sample of the stretch.</param>
/// <param name="Length">Samples in the stretch.</param>
public readonly record struct Rest(float VoltageMv, float CurrentNa, int Start, int Length)
{
    /// <summary>How far the voltage moved over the stretch (mean of its last quarter against its first, mV).</summary>
    public float DriftMv { get; init; }

    public override string ToString() => $"{VoltageMv:0.0} mV at {CurrentNa:0.###} nA";
}

/// <summary>
/// Finds where a recording shows its cell at rest: at least <see cref="MinimumMs"/> during which the
/// injected current and the voltage, each averaged over 1 ms against recording noise, stay within a
/// band — <see cref="BandMv"/> for the voltage, so no spike and no slow wave; for the current a few
/// picoamps, or four times its own noise where it is measured rather than commanded. The baseline
/// before a step of a sweep protocol is such a stretch; a bursting cell's interburst or a slow wave is
/// not (the voltage leaves the band while the current stays: a rest lasts until the current changes or
/// the sweep ends), and a noise stimulus has none (a current that wanders is not constant; white
/// measurement noise on a constant current is). Only what the data shows is claimed: the
/// cell held still there.
/// </summary>
public static class RestFinder
{
    public const double MinimumMs = 100;

    public const float BandMv = 2f;

    /// <summary>The narrowest band (nA) of a current that counts as constant.</summary>
    public const float CurrentBandNa = 2e-3f;

    /// <summary>
    /// The rests of <paramref name="neuron"/> in <paramref name="data"/>, skipping the first
    /// <paramref name="transient"/> samples of every segment; the stillest first (least drift), at most
    /// <paramref name="max"/>, and one per current: of two stretches at the same current the one that
    /// drifts more is most likely a slow return to the other's rest (after a step), not a second rest.
    /// </summary>
    public static IReadOnlyList<Rest> Find(Dataset data, int neuron, int transient, int max = 8)
    {
        float[] v = data.Neurons[neuron].V, current = data.Neurons[neuron].I;
        int half = Math.Max(0, (int)Math.Round(0.5 / data.DtMs));
        float currentBand = Math.Max(CurrentBandNa, 4f * NoiseSd(current, data.Segments));
        int minimum = (int)Math.Ceiling(MinimumMs / data.DtMs);
        var found = new List<Rest>();
        foreach (Segment g in data.Segments)
        {
            int first = g.Start + transient, end = g.End;
            if (end - first < minimum) { continue; }

            double[] smoothV = MovingMean(v, first, end, half), smoothI = MovingMean(current, first, end, half);
            int s = first;
            while (s < end)
            {
                var voltage = new Band(smoothV[s - first]);
                var injected = new Band(smoothI[s - first]);
                int k = s + 1;
                for (; k < end && voltage.Admits(smoothV[k - first], BandMv) && injected.Admits(smoothI[k - first], currentBand); k++)
                {
                    voltage.Add(smoothV[k - first]);
                    injected.Add(smoothI[k - first]);
                }

                // A rest lasts until the current changes (or the sweep ends; 1 ms of grace, for voltages
                // interpolated between samples): a stretch that the voltage leaves on its own under the
                // same current was a slow wave or an interburst, not a rest.
                bool heldToTheEnd = false;
                for (int j = k; j <= Math.Min(end, k + 2 * half) && !heldToTheEnd; j++)
                {
                    heldToTheEnd = j == end || !injected.Admits(smoothI[j - first], currentBand);
                }

                if (k - s >= minimum && heldToTheEnd)
                {
                    double vSum = 0, iSum = 0;
                    for (int j = s; j < k; j++)
                    {
                        vSum += v[j];
                        iSum += current[j];
                    }

                    found.Add(new Rest((float)(vSum / (k - s)), (float)(iSum / (k - s)), s, k - s) { DriftMv = Drift(smoothV, s - first, k - first) });
                }

                s = k;
            }
        }

        var kept = new List<Rest>();
        foreach (Rest r in found.OrderBy(r => r.DriftMv).ThenByDescending(r => r.Length).ThenBy(r => r.Start))
        {
            if (kept.Count == max) { break; }
            if (!kept.Any(q => Math.Abs(q.CurrentNa - r.CurrentNa) <= currentBand))
            {
                kept.Add(r);
            }
        }

        return kept;
    }

    /// <summary>|mean of the last quarter − mean of the first quarter| of x[from..to).</summary>
    private static float Drift(double[] x, int from, int to)
    {
        int quarter = Math.Max(1, (to - from) / 4);
        double head = 0, tail = 0;
        for (int j = 0; j < quarter; j++)
        {
            head += x[from + j];
            tail += x[to - 1 - j];
        }

        return (float)Math.Abs(tail - head) / quarter;
    }

    /// <summary>The running minimum and maximum of a stretch.</summary>
    private struct Band(double first)
    {
        private double _low = first, _high = first;

        public readonly bool Admits(double x, double width) => Math.Max(_high, x) - Math.Min(_low, x) <= width;

        public void Add(double x)
        {
            _low = Math.Min(_low, x);
            _high = Math.Max(_high, x);
        }
    }

    /// <summary>
    /// The standard deviation of a trace's sample-to-sample noise, robustly: the median absolute
    /// difference of neighbours within segments / (0.6745·√2), over the neighbours that differ (a trace
    /// held over several model steps repeats each value); 0 for a commanded, piecewise constant
    /// current, whose neighbours differ only at its steps.
    /// </summary>
    private static float NoiseSd(float[] x, IReadOnlyList<Segment> segments)
    {
        var differences = new List<float>();
        int pairs = 0, differing = 0, keepEvery = Math.Max(1, x.Length / 200_000);
        foreach (Segment g in segments)
        {
            for (int k = g.Start; k + 1 < g.End; k++, pairs++)
            {
                if (x[k + 1] != x[k] && differing++ % keepEvery == 0) { differences.Add(Math.Abs(x[k + 1] - x[k])); }
            }
        }

        if (differing < pairs / 10 || differences.Count == 0) { return 0f; }
        differences.Sort();
        return differences[differences.Count / 2] / (0.6745f * MathF.Sqrt(2f));
    }

    /// <summary>Mean of v over [k − half, k + half] (clipped to [first, end)) for every k in [first, end).</summary>
    private static double[] MovingMean(float[] v, int first, int end, int half)
    {
        var prefix = new double[end - first + 1];
        for (int k = first; k < end; k++) { prefix[k - first + 1] = prefix[k - first] + v[k]; }
        var mean = new double[end - first];
        for (int k = 0; k < mean.Length; k++)
        {
            int a = Math.Max(0, k - half), b = Math.Min(mean.Length, k + half + 1);
            mean[k] = (prefix[b] - prefix[a]) / (b - a);
        }

        return mean;
    }
}
