using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>One sampled channel of a recording, already converted to RmmEdge units (mV, nA).</summary>
/// <param name="Name">Channel name as in the file (e.g. "V1", "I_nA" → "I").</param>
/// <param name="Unit">Canonical unit after conversion: "mV", "nA", or the file's unit for other quantities.</param>
/// <param name="Samples">One value per sample.</param>
public sealed record Channel(string Name, string Unit, float[] Samples);

/// <summary>
/// A recording as read from a file: equally spaced samples of named channels. Units are converted on
/// import (design §3: ms, mV, nA at every boundary). Sweeps of episodic recordings are concatenated by
/// the readers that know about them.
/// </summary>
public sealed class Recording
{
    public Recording(string source, double dtMs, IReadOnlyList<Channel> channels, int sweeps = 1)
    {
        if (!(dtMs >= MinDtMs && dtMs <= MaxDtMs))
        {
            throw new UserError($"{source}: sampling period {dtMs} ms; expected {MinDtMs}–{MaxDtMs} ms (10 MHz to 1 Hz)");
        }

        if (channels.Count == 0)
        {
            throw new UserError($"{source}: no data channels");
        }

        int length = channels[0].Samples.Length;
        foreach (Channel c in channels)
        {
            if (c.Samples.Length != length)
            {
                throw new UserError($"{source}: channel {UserError.Printable(c.Name)} has {c.Samples.Length} samples, expected {length}");
            }

            int bad = Array.FindIndex(c.Samples, x => !float.IsFinite(x));
            if (bad >= 0)
            {
                throw new UserError($"{source}: channel {UserError.Printable(c.Name)} holds {c.Samples[bad]} at sample {bad}; a recording holds finite numbers " +
                    "(a damaged file, or a scale factor out of range)");
            }
        }

        if (sweeps < 1 || length % sweeps != 0)
        {
            throw new UserError($"{source}: {length} samples do not divide into {sweeps} sweeps");
        }

        Source = source;
        DtMs = dtMs;
        // A channel without a name or a unit in the file (ABF, IBW) gets one, so that messages can name it
        // and --voltage/--current NAME:UNIT can give the unit it lacks.
        Channels = channels.Select((c, n) => c with
        {
            Name = string.IsNullOrWhiteSpace(c.Name) ? $"channel{n}" : c.Name,
            Unit = string.IsNullOrWhiteSpace(c.Unit) ? NoUnit : c.Unit,
        }).ToArray();
        Sweeps = sweeps;
    }

    /// <summary>
    /// Most samples per channel a reader accepts (2^27 ≈ 134 M: 3.7 h at 10 kHz). Readers check it before
    /// they allocate; text readers keep 4 bytes per value while parsing.
    /// </summary>
    public const int MaxSamples = 1 << 27;

    /// <summary>The unit of a channel whose file states none.</summary>
    public const string NoUnit = "no unit";

    /// <summary>Sampling periods accepted (ms).</summary>
    public const double MinDtMs = 1e-4, MaxDtMs = 1000;

    /// <summary>Number of sweeps, concatenated in order in every channel (1 for gap-free data).</summary>
    public int Sweeps { get; }

    /// <summary>Samples per sweep.</summary>
    public int SweepLength => Length / Sweeps;

    /// <summary>File (or generator) the data came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Sampling period in ms.</summary>
    public double DtMs { get; }

    public IReadOnlyList<Channel> Channels { get; }

    public int Length => Channels[0].Samples.Length;

    public double DurationMs => Length * DtMs;

    /// <summary>The channel named <paramref name="name"/> (case-insensitive), or a UserError listing those present.</summary>
    public Channel Get(string name)
    {
        Channel? c = Find(name);
        return c ?? throw new UserError(
            $"{Source}: no channel '{UserError.Printable(name)}'; channels are {string.Join(", ", Channels.Select(x => $"{x.Name} ({x.Unit})"))}" +
            (Note is null ? "" : $" ({Note})"));
    }

    /// <summary>What a reader could not do but did not refuse the file for (e.g. rebuild a command current), shown when a channel is missing.</summary>
    public string? Note { get; init; }

    /// <summary>
    /// Puts channels of separate single-channel recordings (e.g. one Igor wave per channel) into one
    /// recording, renamed; they must share the sampling period and length.
    /// </summary>
    public static Recording Combine(string source, params (Recording Recording, string Name)[] parts)
    {
        if (parts.Length == 0)
        {
            throw new UserError($"{source}: nothing to combine");
        }

        var first = parts[0].Recording;
        var channels = new List<Channel>();
        foreach ((Recording r, string name) in parts)
        {
            if (Math.Abs(r.DtMs - first.DtMs) > 1e-9 * first.DtMs || r.Length != first.Length)
            {
                throw new UserError($"{r.Source}: {r.Length} samples at {r.DtMs} ms, but {first.Source} has {first.Length} at {first.DtMs} ms");
            }

            channels.Add(r.Channels[0] with { Name = name });
        }

        return new Recording(source, first.DtMs, channels);
    }

    /// <summary>
    /// The recording with channels chosen and renamed for <see cref="Dataset.FromRecording"/>: each
    /// selection is "NAME" or "NAME:UNIT" (UNIT overrides a missing or wrong label in the file, e.g.
    /// "IN 0:mV"); voltages become V (V1, V2, … for several neurons) in mV, currents I (I1, …) in nA.
    /// </summary>
    public Recording Select(IReadOnlyList<string> voltages, IReadOnlyList<string> currents)
    {
        if (voltages.Count == 0 || (currents.Count != 0 && currents.Count != voltages.Count))
        {
            throw new UserError($"{Source}: choose one voltage channel per neuron and as many current channels (or none); got {voltages.Count} and {currents.Count}");
        }

        var chosen = new List<Channel>();
        for (int n = 0; n < voltages.Count; n++)
        {
            string suffix = voltages.Count == 1 ? "" : (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            chosen.Add(Pick(voltages[n], "V" + suffix, "mV"));
            if (currents.Count > 0)
            {
                chosen.Add(Pick(currents[n], "I" + suffix, "nA"));
            }
        }

        return new Recording(Source, DtMs, chosen, Sweeps) { Note = Note };

        Channel Pick(string selection, string newName, string canonical)
        {
            int colon = selection.LastIndexOf(':');
            string name = colon > 0 ? selection[..colon] : selection;
            Channel channel = Get(name);
            string unit = colon > 0 ? selection[(colon + 1)..] : channel.Unit;
            // Samples are stored in the canonical unit of the file's label; a user's unit relabels the raw values.
            var fileUnit = Units.ToCanonical(channel.Unit);
            var userUnit = Units.ToCanonical(unit);
            if (userUnit is not { } target || target.Canonical != canonical)
            {
                throw new UserError($"{Source}: channel '{name}' as {newName} needs a unit convertible to {canonical}; got '{unit}'");
            }

            double factor = colon > 0 ? target.Factor / (fileUnit?.Factor ?? 1) : 1;
            float[] samples = factor == 1 ? channel.Samples : channel.Samples.Select(x => (float)(x * factor)).ToArray();
            return new Channel(newName, canonical, samples);
        }
    }

    public Channel? Find(string name) =>
        Channels.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
