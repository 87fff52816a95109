namespace RmmEdge.Trainer.Evaluation;

/// <summary>
/// Spike detection by threshold crossing with hysteresis (metrics.md): a spike is an upward crossing
/// of <c>threshold</c>; the detector re-arms only after V falls below <c>rearm</c>, so spikelets on a
/// depolarised plateau are not counted twice. Spike time = the crossing, linearly interpolated.
/// </summary>
public static class Spikes
{
    /// <summary>Defaults for bursting neurons (metrics.md): −20 mV, re-armed below −35 mV.</summary>
    public const float BurstThresholdMv = -20f, BurstRearmMv = -35f;

    /// <summary>Spike times in ms from the first sample of <paramref name="v"/>.</summary>
    public static double[] Detect(ReadOnlySpan<float> v, double dtMs, float threshold = BurstThresholdMv, float rearm = BurstRearmMv)
    {
        var times = new List<double>();
        bool armed = v.Length > 0 && v[0] < threshold;
        for (int k = 1; k < v.Length; k++)
        {
            if (armed && v[k - 1] < threshold && v[k] >= threshold)
            {
                double frac = (threshold - v[k - 1]) / (v[k] - v[k - 1]);
                times.Add((k - 1 + frac) * dtMs);
                armed = false;
            }
            else if (!armed && v[k] < rearm)
            {
                armed = true;
            }
        }

        return times.ToArray();
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] s = values.OrderBy(x => x).ToArray();
        int m = s.Length / 2;
        return s.Length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }

    public static double[] Intervals(IReadOnlyList<double> times) =>
        Enumerable.Range(1, Math.Max(0, times.Count - 1)).Select(i => times[i] - times[i - 1]).ToArray();
}

/// <summary>
/// How spikes are counted: upward crossings of <see cref="ThresholdMv"/>, the detector re-armed when
/// the voltage falls below <see cref="RearmMv"/>. The same rule is applied to the cell and the model,
/// and printed beside every spike figure.
/// </summary>
public sealed record SpikeRule(float ThresholdMv, float RearmMv, string Origin)
{
    /// <summary>metrics.md's rule for bursting neurons: −20 mV, re-armed below −35 mV.</summary>
    public static SpikeRule Bursting { get; } = new(Spikes.BurstThresholdMv, Spikes.BurstRearmMv, "the bursting-neuron rule of metrics.md");

    /// <summary>
    /// A rule that fits the cell. Spikes are found as local maxima (1 ms apart at least) more than 20 mV
    /// above the median voltage and above their own foot 2 ms before (a spike's fast rise, not a
    /// plateau's noise); P is their median peak and T the median trough between consecutive spikes
    /// less than 200 ms apart (the median voltage when there are none). The threshold is halfway up,
    /// T + (P − T)/2, and the detector re-arms a quarter of the height above the trough, T + (P − T)/4:
    /// cortical spikes that ride on a plateau above −35 mV are then counted one by one, where the fixed
    /// bursting rule counts a train as one. Fewer than three spikes: the bursting rule.
    /// </summary>
    /// <summary>The rule fitted to the recorded voltages of every modelled neuron over the scored part of each free-run segment (what eval and the report count by).</summary>
    public static SpikeRule FromRuns(Model.Network network, SegmentRuns runs, double dtMs) =>
        FromData(runs.Runs.SelectMany(r => network.Models.Select(m => r.Data.Neurons[m.Index].V[r.Run.Start..])).ToArray(), dtMs);

    public static SpikeRule FromData(IReadOnlyList<float[]> voltages, double dtMs)
    {
        var all = new List<double>();
        foreach (float[] v in voltages)
        {
            for (int k = 0; k < v.Length; k += Math.Max(1, v.Length / 200_000)) { all.Add(v[k]); }
        }

        if (all.Count == 0)
        {
            return Bursting;
        }

        float baseline = (float)Spikes.Median(all);
        int half = Math.Max(1, (int)Math.Round(0.5 / dtMs)), rise = Math.Max(1, (int)Math.Round(RiseMs / dtMs));
        int pairGap = (int)Math.Round(TroughGapMs / dtMs);
        var peaks = new List<double>();
        var troughs = new List<double>();
        foreach (float[] v in voltages)
        {
            int last = -1;
            for (int k = 1; k + 1 < v.Length; k++)
            {
                if (v[k] > baseline + MinimumHeightMv && v[k] >= v[k - 1] && v[k] > v[k + 1] && IsLocalMaximum(v, k, half)
                    && v[k] - Minimum(v, k - rise, k) > MinimumHeightMv)
                {
                    peaks.Add(v[k]);
                    if (last >= 0 && k - last < pairGap) { troughs.Add(Minimum(v, last, k)); }
                    last = k;
                }
            }
        }

        if (peaks.Count < 3)
        {
            return Bursting with { Origin = "the bursting-neuron rule of metrics.md: fewer than 3 spikes in the data to fit a rule to" };
        }

        float peak = (float)Spikes.Median(peaks), trough = troughs.Count > 0 ? (float)Spikes.Median(troughs) : baseline;
        float height = peak - trough;
        return new SpikeRule(trough + height / 2, trough + height / 4,
            $"from the data: halfway up from the median trough between spikes, {trough:0.#} mV, to the median spike peak, {peak:0.#} mV; " +
            "re-armed a quarter of the way up");
    }

    /// <summary>A spike rises more than this (mV) above the median voltage, and above its own foot within <see cref="RiseMs"/>.</summary>
    private const float MinimumHeightMv = 20;

    private const double RiseMs = 2;

    /// <summary>Spikes closer than this (ms) are neighbours whose trough counts.</summary>
    private const double TroughGapMs = 200;

    private static float Minimum(float[] v, int from, int to)
    {
        float m = float.MaxValue;
        for (int j = Math.Max(0, from); j <= to; j++) { m = Math.Min(m, v[j]); }
        return m;
    }

    private static bool IsLocalMaximum(float[] v, int k, int half)
    {
        for (int j = Math.Max(0, k - half); j <= Math.Min(v.Length - 1, k + half); j++)
        {
            if (v[j] > v[k]) { return false; }
        }

        return true;
    }

    public double[] Detect(ReadOnlySpan<float> v, double dtMs) => Spikes.Detect(v, dtMs, ThresholdMv, RearmMv);

    public override string ToString() => $"upward crossings of {ThresholdMv:0.#} mV, re-armed below {RearmMv:0.#} mV ({Origin})";
}

/// <summary>Burst statistics of one spike train (metrics.md, "Bursting neurons and circuits").</summary>
/// <param name="GapMs">ISI above which a new burst starts.</param>
/// <param name="Bursts">Bursts kept (first and last dropped).</param>
/// <param name="PeriodMs">Median onset-to-onset interval of kept bursts (NaN if fewer than 2).</param>
/// <param name="SpikesPerBurst">Mean spike count of kept bursts (NaN if none).</param>
/// <param name="DutyCycle">Mean burst duration (first to last spike) over the period.</param>
/// <param name="Onsets">Onset times (ms) of the kept bursts.</param>
/// <param name="Ends">Times (ms) of the last spike of each kept burst.</param>
public sealed record BurstStats(double GapMs, int Bursts, double PeriodMs, double SpikesPerBurst, double DutyCycle, double[] Onsets, double[] Ends)
{
    /// <summary>
    /// Burst midpoints (ms). For two cells whose bursts differ in length the onset phase mixes the
    /// duty cycle into the phase; midpoints of alternating bursts sit half a cycle apart either way.
    /// </summary>
    public double[] Midpoints => Onsets.Zip(Ends, (a, b) => (a + b) / 2).ToArray();

    /// <summary>Fraction of <paramref name="spikes"/> (ms) that fall inside these bursts (first to last spike): 0 for strict alternation.</summary>
    public double FractionInside(IReadOnlyList<double> spikes)
    {
        if (Onsets.Length == 0)
        {
            return double.NaN;
        }

        // Only spikes within the span of the kept bursts count (the record's edges are dropped).
        int inside = 0, considered = 0;
        foreach (double t in spikes)
        {
            if (t < Onsets[0] || t > Ends[^1])
            {
                continue;
            }

            considered++;
            for (int i = 0; i < Onsets.Length; i++)
            {
                if (t >= Onsets[i] && t <= Ends[i]) { inside++; break; }
            }
        }

        return considered > 0 ? (double)inside / considered : double.NaN;
    }
}

public static class BurstAnalysis
{
    /// <summary>The default gap: 5 × the median ISI of the data's spikes.</summary>
    public static double DefaultGapMs(IReadOnlyList<double> dataSpikes) => 5 * Spikes.Median(Spikes.Intervals(dataSpikes));

    /// <summary>
    /// Groups spikes while the interspike interval is below <paramref name="gapMs"/>; drops the first
    /// and last group (they may be cut by the record's edges).
    /// </summary>
    public static BurstStats Analyse(IReadOnlyList<double> spikes, double gapMs)
    {
        List<(double Start, double End, int Count)> groups = Groups(spikes, gapMs);
        var kept = groups.Count > 2 ? groups.GetRange(1, groups.Count - 2) : new List<(double Start, double End, int Count)>();
        double[] onsets = kept.Select(g => g.Start).ToArray(), ends = kept.Select(g => g.End).ToArray();
        double period = onsets.Length >= 2 ? Spikes.Median(Spikes.Intervals(onsets)) : double.NaN;
        double spb = kept.Count > 0 ? kept.Average(g => g.Count) : double.NaN;
        double duty = kept.Count > 0 && period > 0 ? kept.Average(g => g.End - g.Start) / period : double.NaN;
        return new BurstStats(gapMs, kept.Count, period, spb, duty, onsets, ends);
    }

    /// <summary>Every group of spikes whose interspike intervals are below <paramref name="gapMs"/>: first and last spike (ms) and count, edges included.</summary>
    public static List<(double Start, double End, int Count)> Groups(IReadOnlyList<double> spikes, double gapMs)
    {
        var groups = new List<(double Start, double End, int Count)>();
        for (int i = 0; i < spikes.Count; i++)
        {
            if (i == 0 || spikes[i] - spikes[i - 1] >= gapMs)
            {
                groups.Add((spikes[i], spikes[i], 1));
            }
            else
            {
                var g = groups[^1];
                groups[^1] = (g.Start, spikes[i], g.Count + 1);
            }
        }

        return groups;
    }

    /// <summary>
    /// Phase of each burst onset of <paramref name="follower"/> within the enclosing cycle of
    /// <paramref name="leader"/> (0.5 = anti-phase), summarised as a circular statistic (metrics.md):
    /// phases live on a circle, so 0.99 and 0.01 average to 0, not 0.5.
    /// </summary>
    public static CircularPhase Phase(IReadOnlyList<double> leader, IReadOnlyList<double> follower)
    {
        var phases = new List<double>();
        foreach (double t in follower)
        {
            for (int i = 0; i + 1 < leader.Count; i++)
            {
                if (t >= leader[i] && t < leader[i + 1])
                {
                    phases.Add((t - leader[i]) / (leader[i + 1] - leader[i]));
                    break;
                }
            }
        }

        return CircularPhase.Of(phases);
    }

    /// <summary>The circular mean phase of <see cref="Phase"/> (NaN if no cycle holds a follower onset).</summary>
    public static double MeanPhase(IReadOnlyList<double> leader, IReadOnlyList<double> follower) => Phase(leader, follower).Mean;
}

/// <summary>
/// Phases in [0, 1) on the circle: the circular mean (the angle of the mean of e^{2πiφ}, mapped back to
/// [0, 1)) and the resultant length R = |mean of e^{2πiφ}| (1: every cycle at the same phase, 0: no
/// preferred phase). NaN for both when there are no phases.
/// </summary>
public sealed record CircularPhase(double Mean, double Resultant, int Count)
{
    public static CircularPhase Of(IReadOnlyCollection<double> phases)
    {
        if (phases.Count == 0)
        {
            return new CircularPhase(double.NaN, double.NaN, 0);
        }

        double c = phases.Average(p => Math.Cos(2 * Math.PI * p)), s = phases.Average(p => Math.Sin(2 * Math.PI * p));
        double mean = Math.Atan2(s, c) / (2 * Math.PI);
        return new CircularPhase(mean < 0 ? mean + 1 : mean, Math.Sqrt(c * c + s * s), phases.Count);
    }

    public override string ToString() => double.IsNaN(Mean) ? "no phase (fewer than two leader bursts around a follower burst)" : $"{Mean:0.000} (R {Resultant:0.00})";
}
