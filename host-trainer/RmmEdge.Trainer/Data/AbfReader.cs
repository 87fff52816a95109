using System.Buffers.Binary;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads Axon Binary Format files in managed code, from the published descriptions of the formats (field
/// offsets as documented with pyABF and Axon's ABFFIO headers). ABF1 (pCLAMP ≤ 9): one fixed header with
/// per-ADC arrays indexed by physical channel, the sampling sequence giving the interleave, and the
/// period of one channel = fADCSampleInterval × channels. ABF2 (pCLAMP ≥ 10): the header's section map, the
/// protocol (sampling interval, samples per sweep, ADC range and resolution), the ADC section (channel
/// names and units through the indexed strings section, gains and offsets) and the interleaved data,
/// int16 scaled to physical units as raw·range/resolution/(instrument scale · signal gain ·
/// programmable gain [· telegraph gain]) + instrument offset − signal offset, or float32 as stored.
/// Sweeps are concatenated; values are converted to mV and nA.
/// </summary>
public static class AbfReader
{
    private const int BlockSize = 512;

    private static readonly string[] SectionNames =
    [
        "Protocol", "ADC", "DAC", "Epoch", "ADCPerDAC", "EpochPerDAC", "UserList", "StatsRegion", "Math",
        "Strings", "Data", "Tag", "Scope", "Delta", "VoiceTag", "SynchArray", "Annotation", "Stats",
    ];

    public static Recording Read(string path, bool reconstructCommand = false)
    {
        UserFiles.RequireInput(path);

        return Read(File.ReadAllBytes(path), path, reconstructCommand);
    }

    /// <param name="reconstructCommand">
    /// Also rebuild the command waveform of DAC 0 from the epoch table (for files that record the voltage
    /// but not the injected current) and append it as a channel named after the DAC.
    /// </param>
    public static Recording Read(byte[] b, string source, bool reconstructCommand = false)
    {
        if (b.Length < 4)
        {
            throw new UserError($"{source}: {b.Length} bytes, too short for an ABF file");
        }

        string signature = Encoding.ASCII.GetString(b, 0, 4);
        if (signature == "ABF ")
        {
            return ReadAbf1(b, source);
        }

        if (signature != "ABF2")
        {
            throw new UserError($"{source}: not an ABF file (signature '{Printable(signature)}', expected 'ABF2')");
        }

        Need(b, 76 + 16 * SectionNames.Length, source, "header");
        var sections = new Dictionary<string, (long Offset, int EntrySize, long Count)>();
        for (int i = 0; i < SectionNames.Length; i++)
        {
            int at = 76 + 16 * i;
            long block = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
            int entrySize = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 4));
            long count = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(at + 8));
            sections[SectionNames[i]] = (block * BlockSize, entrySize, count);
        }

        int sweeps = Math.Max(1, (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12)));
        short dataFormat = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(30));
        var protocol = Section(b, sections, "Protocol", source, minEntrySize: 126);
        long p = protocol.Offset;
        float intervalUs = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan((int)p + 2));
        int samplesPerSweep = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan((int)p + 22));
        float adcRange = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan((int)p + 110));
        int adcResolution = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan((int)p + 118));
        if (!(intervalUs > 0) || adcResolution <= 0 || !(adcRange > 0))
        {
            throw new UserError($"{source}: protocol section has sampling interval {intervalUs} µs, ADC range {adcRange}, resolution {adcResolution}; expected positive values");
        }

        var adc = Section(b, sections, "ADC", source, minEntrySize: 82);
        int channelCount = (int)adc.Count;
        if (channelCount < 1 || channelCount > 16)
        {
            throw new UserError($"{source}: {channelCount} ADC channels; expected 1–16");
        }

        string[] strings = Strings(b, sections, source);
        var data = Section(b, sections, "Data", source, minEntrySize: 2);
        int sampleSize = dataFormat == 0 ? 2 : dataFormat == 1 ? 4 : throw new UserError($"{source}: data format {dataFormat}; expected 0 (int16) or 1 (float32)");
        if (data.EntrySize != sampleSize)
        {
            throw new UserError($"{source}: data entries of {data.EntrySize} bytes, but the header says {(sampleSize == 2 ? "int16" : "float32")}");
        }

        long total = data.Count;
        if (total % channelCount != 0)
        {
            throw new UserError($"{source}: {total} data values do not divide into {channelCount} channels");
        }

        int perChannel = (int)(total / channelCount);
        if (sweeps > 1 && perChannel % sweeps != 0)
        {
            throw new UserError($"{source}: {perChannel} samples per channel do not divide into {sweeps} sweeps");
        }

        var channels = new List<Channel>();
        for (int c = 0; c < channelCount; c++)
        {
            int a = (int)(adc.Offset + (long)c * adc.EntrySize);
            bool telegraph = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(a + 2)) != 0;
            float telegraphGain = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 6));
            float programmableGain = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 28));
            float instrumentScale = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 40));
            float instrumentOffset = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 44));
            float signalGain = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 48));
            float signalOffset = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(a + 52));
            int nameIndex = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(a + 74));
            int unitIndex = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(a + 78));
            string name = nameIndex > 0 && nameIndex <= strings.Length ? strings[nameIndex - 1] : $"ADC{c}";
            string unit = unitIndex > 0 && unitIndex <= strings.Length ? strings[unitIndex - 1] : "";
            var scaling = new AdcScaling(adcRange, adcResolution, programmableGain, instrumentScale, instrumentOffset, signalGain, signalOffset,
                telegraph ? telegraphGain : 1);
            channels.Add(Deinterleave(b, data.Offset, channelCount, c, perChannel, sampleSize, scaling, name, unit, source));
        }

        if (sweeps > 1 && samplesPerSweep != perChannel / sweeps * channelCount)
        {
            throw new UserError($"{source}: the protocol says {samplesPerSweep} samples per sweep, the data holds {perChannel / sweeps * channelCount}");
        }

        string? note = null;
        if (reconstructCommand)
        {
            // A file that records its current on an ADC channel may play no epoch waveform: it is read
            // without the rebuilt command, and a request for it says why there is none.
            try
            {
                channels.Add(Command(b, sections, strings, source, sweeps, perChannel / sweeps));
            }
            catch (UserError e)
            {
                note = $"no command current rebuilt: {e.Message}";
            }
        }

        return new Recording(source, intervalUs / 1000.0, channels, sweeps) { Note = note };
    }

    /// <summary>How one ADC channel's int16 codes become physical values (ABF1 and ABF2 alike).</summary>
    private sealed record AdcScaling(float Range, int Resolution, float ProgrammableGain, float InstrumentScale, float InstrumentOffset,
        float SignalGain, float SignalOffset, float TelegraphGain);

    /// <summary>
    /// Channel <paramref name="c"/> of <paramref name="count"/> interleaved channels, scaled as
    /// raw·range/resolution/(instrument scale · signal gain · programmable gain · telegraph gain) +
    /// instrument offset − signal offset (int16), or as stored (float32), then converted to mV / nA.
    /// </summary>
    private static Channel Deinterleave(byte[] b, long dataOffset, int count, int c, int perChannel, int sampleSize, AdcScaling s,
        string name, string unit, string source)
    {
        double gain = (double)s.InstrumentScale * s.SignalGain * s.ProgrammableGain * s.TelegraphGain;
        if (!(Math.Abs(gain) > 0) || !double.IsFinite(gain))
        {
            throw new UserError($"{source}: ADC channel {name} has gain {gain}; expected a nonzero scale");
        }

        double scale = sampleSize == 2 ? s.Range / s.Resolution / gain : 1;
        double offset = sampleSize == 2 ? s.InstrumentOffset - s.SignalOffset : 0;
        var conversion = Units.ToCanonical(unit);
        double factor = conversion?.Factor ?? 1;
        float[] values = new float[perChannel];
        for (int k = 0; k < perChannel; k++)
        {
            int at = (int)(dataOffset + ((long)k * count + c) * sampleSize);
            double raw = sampleSize == 2 ? BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at));
            values[k] = (float)((raw * scale + offset) * factor);
        }

        return new Channel(name, conversion?.Canonical ?? unit, values);
    }

    /// <summary>ABF1: the fixed header (2048 bytes up to version 1.6, 6144 after) and the interleaved data.</summary>
    private static Recording ReadAbf1(byte[] b, string source)
    {
        Need(b, 2048, source, "ABF1 header");
        float version = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(4));
        short mode = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(8));
        int acquired = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(10));
        short ignored = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(14));
        int episodes = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(16));
        int dataBlock = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(40));
        short dataFormat = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(100));
        short channelCount = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(120));
        float intervalUs = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(122));
        int samplesPerEpisode = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(138));
        float adcRange = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(244));
        int adcResolution = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(252));
        if (mode is not (3 or 5))
        {
            throw new UserError($"{source}: ABF1 operation mode {mode}; gap-free (3) and fixed-length episodic (5) recordings are read");
        }

        if (channelCount < 1 || channelCount > 16 || !(intervalUs > 0) || !(adcRange > 0) || adcResolution <= 0 || dataBlock < 1 || acquired < 1 || ignored < 0)
        {
            throw new UserError($"{source}: ABF1 header holds {channelCount} channels, interval {intervalUs} µs, ADC range {adcRange}, resolution {adcResolution}, " +
                $"data at block {dataBlock}, {acquired} samples; expected 1–16 channels and positive values");
        }

        int sampleSize = dataFormat == 0 ? 2 : dataFormat == 1 ? 4 : throw new UserError($"{source}: data format {dataFormat}; expected 0 (int16) or 1 (float32)");
        long dataOffset = (long)dataBlock * BlockSize + ignored * sampleSize;
        if (dataOffset + (long)acquired * sampleSize > b.Length)
        {
            throw new UserError($"{source}: the header promises {acquired} samples from byte {dataOffset}, past the end of the {b.Length}-byte file (truncated?)");
        }

        if (acquired % channelCount != 0)
        {
            throw new UserError($"{source}: {acquired} samples do not divide into {channelCount} channels");
        }

        int perChannel = acquired / channelCount;
        int sweeps = mode == 5 ? Math.Max(1, episodes) : 1;
        if (mode == 5 && (samplesPerEpisode <= 0 || (long)samplesPerEpisode * sweeps != acquired))
        {
            throw new UserError($"{source}: {sweeps} episodes of {samplesPerEpisode} samples do not make the {acquired} samples acquired");
        }

        var channels = new List<Channel>();
        for (int position = 0; position < channelCount; position++)
        {
            // Per-ADC arrays are indexed by the physical channel sampled at this position of the sequence.
            int adc = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(410 + 2 * position));
            if (adc is < 0 or > 15)
            {
                throw new UserError($"{source}: sampling sequence entry {position} names ADC {adc}; expected 0–15");
            }

            string name = Encoding.Latin1.GetString(b, 442 + 10 * adc, 10).TrimEnd('\0', ' ');
            string unit = Encoding.Latin1.GetString(b, 602 + 8 * adc, 8).TrimEnd('\0', ' ');
            bool telegraph = version >= 1.65f && b.Length >= 4640 && BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(4512 + 2 * adc)) != 0;
            var scaling = new AdcScaling(adcRange, adcResolution,
                BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(730 + 4 * adc)),
                BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(922 + 4 * adc)),
                BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(986 + 4 * adc)),
                BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(1050 + 4 * adc)),
                BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(1114 + 4 * adc)),
                telegraph ? BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(4576 + 4 * adc)) : 1);
            channels.Add(Deinterleave(b, dataOffset, channelCount, position, perChannel, sampleSize, scaling,
                name.Length > 0 ? name : $"ADC{adc}", unit, source));
        }

        return new Recording(source, intervalUs * channelCount / 1000.0, channels, sweeps);
    }

    /// <summary>
    /// The command of DAC 0 rebuilt from the epoch table, as Clampex plays it: each sweep starts with
    /// 1/64 of its samples at the holding level (or, with "inter-episode level" set, at the level the
    /// previous sweep ended on), then the epochs in order — a step holds init + k·increment for
    /// initial duration + k·duration increment samples in sweep k; a ramp goes linearly from the
    /// preceding level to that level — and the holding (or last) level to the end of the sweep.
    /// Other epoch types are refused rather than guessed.
    /// </summary>
    private static Channel Command(byte[] b, Dictionary<string, (long Offset, int EntrySize, long Count)> sections, string[] strings,
        string source, int sweeps, int sweepLength)
    {
        var dac = Section(b, sections, "DAC", source, minEntrySize: 46);
        int d = (int)dac.Offset;
        float holding = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(d + 4));
        int nameIndex = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(d + 24));
        int unitIndex = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(d + 28));
        bool waveform = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(d + 40)) != 0;
        short waveformSource = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(d + 42));
        bool interEpisode = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(d + 44)) != 0;
        string name = nameIndex > 0 && nameIndex <= strings.Length ? strings[nameIndex - 1] : "Cmd 0";
        string unit = unitIndex > 0 && unitIndex <= strings.Length ? strings[unitIndex - 1] : "";
        if (!waveform || waveformSource != 1)
        {
            throw new UserError($"{source}: DAC 0 plays no epoch waveform (enabled {waveform}, source {waveformSource}); the command cannot be rebuilt");
        }

        var epochs = Section(b, sections, "EpochPerDAC", source, minEntrySize: 30);
        var table = new List<(int Type, float Level, float LevelInc, int Duration, int DurationInc)>();
        for (int e = 0; e < epochs.Count; e++)
        {
            int at = (int)(epochs.Offset + (long)e * epochs.EntrySize);
            if (BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(at + 2)) != 0)
            {
                continue;   // another DAC
            }

            int type = BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(at + 4));
            if (type is not (1 or 2))
            {
                throw new UserError($"{source}: epoch {(char)('A' + e)} is of type {type}; only steps (1) and ramps (2) are rebuilt");
            }

            table.Add((type, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at + 6)), BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at + 10)),
                BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 14)), BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 18))));
        }

        var conversion = Units.ToCanonical(unit);
        double factor = conversion?.Factor ?? 1;
        float[] values = new float[sweeps * sweepLength];
        double last = holding;
        for (int k = 0; k < sweeps; k++)
        {
            double level = interEpisode && k > 0 ? last : holding;
            int t = 0, offset = k * sweepLength;
            int pre = sweepLength / 64;
            for (; t < pre && t < sweepLength; t++) { values[offset + t] = (float)level; }
            foreach (var epoch in table)
            {
                double target = epoch.Level + k * epoch.LevelInc;
                int duration = Math.Max(0, epoch.Duration + k * epoch.DurationInc);
                for (int i = 0; i < duration && t < sweepLength; i++, t++)
                {
                    values[offset + t] = (float)(epoch.Type == 1 ? target : level + (target - level) * i / duration);
                }

                level = target;
            }

            last = level;
            double tail = interEpisode ? level : holding;
            for (; t < sweepLength; t++) { values[offset + t] = (float)tail; }
        }

        for (int i = 0; i < values.Length; i++) { values[i] = (float)(values[i] * factor); }
        return new Channel(name, conversion?.Canonical ?? unit, values);
    }

    private static (long Offset, int EntrySize, long Count) Section(byte[] b, Dictionary<string, (long Offset, int EntrySize, long Count)> sections,
        string name, string source, int minEntrySize)
    {
        var s = sections[name];
        if (s.Count < 1 || s.EntrySize < minEntrySize || s.Offset < BlockSize || s.Offset > b.Length || s.Count > (b.Length - s.Offset) / s.EntrySize)
        {
            throw new UserError($"{source}: {name} section (block {s.Offset / BlockSize}, {s.Count} entries of {s.EntrySize} bytes) " +
                $"is missing or extends past the end of the {b.Length}-byte file (truncated?)");
        }

        return s;
    }

    /// <summary>The indexed strings (1-based in the ADC section): the strings section after its 44-byte header, split at NULs.</summary>
    private static string[] Strings(byte[] b, Dictionary<string, (long Offset, int EntrySize, long Count)> sections, string source)
    {
        var s = Section(b, sections, "Strings", source, minEntrySize: 45);
        int start = (int)s.Offset + 44, end = (int)(s.Offset + (long)s.EntrySize * s.Count);
        while (start < end && b[start] == 0) { start++; }
        return Encoding.Latin1.GetString(b, start, end - start).Split('\0');
    }

    private static void Need(byte[] b, int bytes, string source, string what)
    {
        if (b.Length < bytes)
        {
            throw new UserError($"{source}: {b.Length} bytes, truncated inside the {what}");
        }
    }

    private static string Printable(string s) => new(s.Select(ch => ch is >= ' ' and <= '~' ? ch : '?').ToArray());
}
