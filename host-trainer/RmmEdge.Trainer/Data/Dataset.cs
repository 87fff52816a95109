using RmmEdge.Rig;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Data;

/// <summary>The membrane potential (mV) and injected current (nA) of one neuron, sample by sample.</summary>
public sealed record NeuronTrace(string Name, float[] V, float[] I);

/// <summary>
/// A stretch of samples recorded without a break: one sweep of an episodic recording, or one file.
/// Nothing crosses from one segment into the next: no one-step training target, no free run, no
/// filter warm-up (metrics.md, "Real recordings").
/// </summary>
public readonly record struct Segment(int Start, int Length)
{
    public int End => Start + Length;

    /// <summary>The sweep's number in its file (−1: not a sweep of a file), kept through selection, slicing and concatenation, so tables name the sweeps the user named.</summary>
    public int Sweep { get; init; } = -1;
}

/// <summary>
/// What training and evaluation consume: per neuron V in mV and I in nA on a common time grid of step
/// dt (ms). I[k] is the current held during [t_k, t_k + dt) (zero-order hold). Extra channels (such as
/// true synaptic currents of simulated data) ride along for validation only. The samples are one or
/// more <see cref="Segments"/> laid end to end (sweeps, files), in order.
/// </summary>
public sealed class Dataset
{
    public Dataset(string source, double dtMs, IReadOnlyList<NeuronTrace> neurons, IReadOnlyDictionary<string, float[]>? extra = null,
        IReadOnlyList<Segment>? segments = null)
    {
        if (neurons.Count == 0)
        {
            throw new UserError($"{source}: no neurons");
        }

        int n = neurons[0].V.Length;
        foreach (NeuronTrace t in neurons)
        {
            if (t.V.Length != n || t.I.Length != n)
            {
                throw new UserError($"{source}: neuron {t.Name} has {t.V.Length} voltage and {t.I.Length} current samples, expected {n}");
            }
        }

        Source = source;
        DtMs = dtMs;
        Neurons = neurons;
        Extra = extra ?? new Dictionary<string, float[]>();
        Segments = segments ?? (n > 0 ? [new Segment(0, n)] : []);
        int expected = 0;
        foreach (Segment segment in Segments)
        {
            if (segment.Start != expected || segment.Length < 1)
            {
                throw new ArgumentException($"segments must tile the record in order; [{string.Join(", ", Segments)}] over {n} samples", nameof(segments));
            }

            expected = segment.End;
        }

        if (expected != n)
        {
            throw new ArgumentException($"segments cover {expected} of {n} samples", nameof(segments));
        }
    }

    /// <summary>The record's segments (sweeps or files), in order; one for a continuous record.</summary>
    public IReadOnlyList<Segment> Segments { get; }

    /// <summary>Every segment as a dataset of its own (copies; the dataset itself when it is one segment).</summary>
    public Dataset[] SplitSegments() => Segments.Count == 1 ? [this] : Enumerable.Range(0, Segments.Count).Select(Segment).ToArray();

    /// <summary>The samples of segment <paramref name="index"/> as a dataset of one segment (copies).</summary>
    public Dataset Segment(int index) => Slice(Segments[index].Start, Segments[index].Length);

    /// <summary>
    /// The segments <paramref name="indices"/> (in that order) as a dataset whose segments they are;
    /// e.g. the training sweeps, or every sweep but one.
    /// </summary>
    public Dataset SelectSegments(IReadOnlyList<int> indices)
    {
        if (indices.Count == 0 || indices.Any(i => i < 0 || i >= Segments.Count))
        {
            throw new UserError($"{Source}: sweeps {string.Join(", ", indices)} asked for; the record has sweeps 0–{Segments.Count - 1}");
        }

        return Concatenate(Source, indices.Select(Segment).ToArray());
    }

    public string Source { get; }

    public double DtMs { get; }

    public IReadOnlyList<NeuronTrace> Neurons { get; }

    public IReadOnlyDictionary<string, float[]> Extra { get; }

    public int Length => Neurons[0].V.Length;

    public double DurationMs => Length * DtMs;

    /// <summary>
    /// Builds a dataset from a recording. Channels are picked by name: for one neuron "V" and "I"
    /// (or "V1"/"I1"), for several "V1","I1","V2","I2",... A missing current channel is an error
    /// unless <paramref name="allowMissingCurrent"/> (then the neuron received no injected current).
    /// Every other channel becomes an extra channel.
    /// </summary>
    public static Dataset FromRecording(Recording recording, bool allowMissingCurrent = false)
    {
        var neurons = new List<NeuronTrace>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (recording.Find("V") is { } single)
        {
            neurons.Add(Trace(recording, "neuron", single, recording.Find("I"), allowMissingCurrent, used));
        }
        else
        {
            for (int i = 1; recording.Find($"V{i}") is { } v; i++)
            {
                neurons.Add(Trace(recording, $"neuron{i}", v, recording.Find($"I{i}"), allowMissingCurrent, used));
            }
        }

        if (neurons.Count == 0)
        {
            throw new UserError($"{recording.Source}: no voltage channel; expected V_mV (one neuron) or V1_mV, V2_mV, ... " +
                $"(found {string.Join(", ", recording.Channels.Select(c => c.Name + "_" + c.Unit))})");
        }

        var extra = recording.Channels.Where(c => !used.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Samples);
        Segment[] sweeps = Enumerable.Range(0, recording.Sweeps).Select(s => new Segment(s * recording.SweepLength, recording.SweepLength) { Sweep = recording.Sweeps > 1 ? s : -1 }).ToArray();
        return new Dataset(recording.Source, recording.DtMs, neurons, extra, sweeps);
    }

    private static NeuronTrace Trace(Recording r, string name, Channel v, Channel? i, bool allowMissingCurrent, HashSet<string> used)
    {
        if (v.Unit != "mV")
        {
            throw new UserError($"{r.Source}: channel {v.Name} is in {v.Unit}, expected a voltage (V, mV, uV)");
        }

        used.Add(v.Name);
        if (i is null)
        {
            if (!allowMissingCurrent)
            {
                throw new UserError($"{r.Source}: no current channel for {v.Name}; expected {v.Name.Replace('V', 'I')}_nA (or pA, A)");
            }

            CheckPlausible(r.Source, v, MaxVoltageMv, MinVoltageMv, "a membrane potential", "V");
            return new NeuronTrace(name, v.Samples, new float[v.Samples.Length]);
        }

        if (i.Unit != "nA")
        {
            throw new UserError($"{r.Source}: channel {i.Name} is in {i.Unit}, expected a current (A, nA, pA)");
        }

        used.Add(i.Name);
        CheckPlausible(r.Source, v, MaxVoltageMv, MinVoltageMv, "a membrane potential", "V");
        CheckPlausible(r.Source, i, MaxCurrentNa, MinCurrentNa, "an injected current", "I");
        return new NeuronTrace(name, v.Samples, i.Samples);
    }

    /// <summary>Largest |V| (mV) and |I| (nA) a recording may hold: beyond, the unit label is wrong (V_V on mV data reads as ±70,000 mV).</summary>
    public const double MaxVoltageMv = 500, MaxCurrentNa = 1000;

    /// <summary>
    /// Smallest magnitude a recording's largest voltage (mV) and, unless it is all zero, its largest
    /// current (nA) may have: a membrane potential that stays within ±1 mV is in volts labelled mV (or
    /// not recorded: all zero); a current that stays within ±10⁻⁴ nA (0.1 pA) is in amperes labelled nA or pA.
    /// </summary>
    public const double MinVoltageMv = 1, MinCurrentNa = 1e-4;

    /// <summary>
    /// Refuses a channel whose values cannot be <paramref name="quantity"/> in the unit it was read as,
    /// so a model is never trained on mislabelled data without a word.
    /// </summary>
    private static void CheckPlausible(string source, Channel channel, double maxAbs, double minAbs, string quantity, string letter)
    {
        float largest = 0;
        foreach (float x in channel.Samples)
        {
            largest = Math.Max(largest, Math.Abs(x));
        }

        string fix = $"if the file's unit label is wrong, name the unit: --{(letter == "V" ? "voltage" : "current")} {UserError.Printable(channel.Name)}:UNIT";
        if (largest > maxAbs)
        {
            throw new UserError($"{source}: channel {UserError.Printable(channel.Name)} reaches ±{largest:G4} {channel.Unit} after unit conversion; " +
                $"{quantity} stays within ±{maxAbs:G} {channel.Unit}; {fix}");
        }

        bool silentCurrent = letter == "I" && largest == 0;   // no current injected: fine
        if (largest < minAbs && !silentCurrent)
        {
            throw new UserError($"{source}: channel {UserError.Printable(channel.Name)} stays within ±{largest:G4} {channel.Unit} after unit conversion; " +
                $"{quantity} reaches beyond ±{minAbs:G} {channel.Unit}; {fix}");
        }
    }

    /// <summary>Samples [start, start + length) of every channel, as a new dataset (copies) with the segments that fall in it.</summary>
    public Dataset Slice(int start, int length)
    {
        if (start < 0 || length < 0 || start + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + length}) outside [0, {Length})");
        }

        int end = start + length;
        Segment[] segments = Segments.Where(g => g.End > start && g.Start < end)
            .Select(g => g with { Start = Math.Max(g.Start, start) - start, Length = Math.Min(g.End, end) - Math.Max(g.Start, start) }).ToArray();
        return new Dataset(Source, DtMs,
            Neurons.Select(t => new NeuronTrace(t.Name, t.V[start..end], t.I[start..end])).ToArray(),
            Extra.ToDictionary(e => e.Key, e => e.Value[start..end]), length == 0 ? null : segments);
    }

    /// <summary>
    /// The record at a <paramref name="factor"/> times finer step: voltages interpolated linearly
    /// between samples, injected currents held (they are zero-order-hold by convention). For
    /// recordings sampled so coarsely that a spike spans one or two samples (QSNMC 2007 at 1 kHz),
    /// where one Euler step of the model cannot follow the upstroke.
    /// </summary>
    public Dataset Upsample(int factor)
    {
        if (factor < 1 || factor > 100)
        {
            throw new UserError($"{Source}: upsampling factor {factor}; expected 1–100");
        }

        float[] Interpolate(float[] x)
        {
            float[] y = new float[x.Length * factor];
            for (int k = 0; k < x.Length; k++)
            {
                float next = k + 1 < x.Length ? x[k + 1] : x[k];
                for (int j = 0; j < factor; j++) { y[k * factor + j] = x[k] + (next - x[k]) * j / factor; }
            }

            return y;
        }

        float[] Hold(float[] x)
        {
            float[] y = new float[x.Length * factor];
            for (int k = 0; k < y.Length; k++) { y[k] = x[k / factor]; }
            return y;
        }

        return new Dataset(Source, DtMs / factor,
            Neurons.Select(t => new NeuronTrace(t.Name, Interpolate(t.V), Hold(t.I))).ToArray(),
            Extra.ToDictionary(e => e.Key, e => Interpolate(e.Value)),
            Segments.Select(g => g with { Start = g.Start * factor, Length = g.Length * factor }).ToArray());
    }

    /// <summary>
    /// A copy whose voltages are low-passed by a zero-phase Butterworth filter (forward and backward,
    /// so spikes keep their timing); currents and extra channels are unchanged. The authors low-pass
    /// their half-centre recordings at 2 kHz, 3rd order, before training (rmm-facts.md §2): measurement
    /// noise on V enters both the regressors and the finite-difference target of teacher forcing.
    /// </summary>
    public Dataset LowPassVoltages(double cutoffHz, int order = 3)
    {
        double sampleHz = 1000 / DtMs;
        if (!(cutoffHz > 0 && cutoffHz < sampleHz / 2))
        {
            throw new UserError($"{Source}: voltage low-pass cutoff {cutoffHz} Hz; expected between 0 and {sampleHz / 2:0.###} Hz (half the sampling rate)");
        }

        Butterworth.Section[] sections = Butterworth.LowPass(order, cutoffHz, sampleHz);
        float[] Filter(float[] v)
        {
            float[] y = new float[v.Length];
            foreach (Segment g in Segments)   // each segment on its own: the filter may not smear one sweep into the next
            {
                double[] x = Array.ConvertAll(v[g.Start..g.End], s => (double)s);
                Butterworth.FiltFilt(sections, x);
                for (int k = 0; k < x.Length; k++) { y[g.Start + k] = (float)x[k]; }
            }

            return y;
        }

        return new Dataset(Source, DtMs, Neurons.Select(t => new NeuronTrace(t.Name, Filter(t.V), t.I)).ToArray(), Extra, Segments);
    }

    /// <summary>
    /// The datasets one after another (same neurons and step), e.g. the repetitions of a protocol or the
    /// files of a training set; each part's segments stay segments. Extra channels are kept when every part has them.
    /// </summary>
    public static Dataset Concatenate(string source, IReadOnlyList<Dataset> parts)
    {
        Dataset first = parts[0];
        foreach (Dataset p in parts)
        {
            if (p.Neurons.Count != first.Neurons.Count || Math.Abs(p.DtMs - first.DtMs) > 1e-9 * first.DtMs)
            {
                throw new UserError($"{p.Source}: {p.Neurons.Count} neurons at {p.DtMs} ms, {first.Source} has {first.Neurons.Count} at {first.DtMs} ms");
            }
        }

        var segments = new List<Segment>();
        int offset = 0;
        foreach (Dataset p in parts)
        {
            segments.AddRange(p.Segments.Select(g => g with { Start = g.Start + offset }));
            offset += p.Length;
        }

        var extra = first.Extra.Keys.Where(key => parts.All(p => p.Extra.ContainsKey(key)))
            .ToDictionary(key => key, key => parts.SelectMany(p => p.Extra[key]).ToArray());
        return new Dataset(source, first.DtMs, Enumerable.Range(0, first.Neurons.Count)
            .Select(n => new NeuronTrace(first.Neurons[n].Name, parts.SelectMany(p => p.Neurons[n].V).ToArray(), parts.SelectMany(p => p.Neurons[n].I).ToArray()))
            .ToArray(), extra, segments);
    }

    /// <summary>Contiguous split: the first (1 − fraction) for training, the last fraction for validation.</summary>
    public (Dataset Train, Dataset Validation) SplitContiguous(double validationFraction)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), "must be in (0, 1)");
        }

        int nTrain = (int)Math.Round(Length * (1 - validationFraction));
        return (Slice(0, nTrain), Slice(nTrain, Length - nTrain));
    }
}
