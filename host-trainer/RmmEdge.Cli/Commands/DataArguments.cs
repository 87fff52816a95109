using System.CommandLine;
using System.Globalization;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Cli;

/// <summary>
/// Reads the recordings named on the command line into one <see cref="Dataset"/>, with the shared
/// --dt/--layout/--voltage/--current/--sweeps options. Each name is a file, a file with the sweeps to
/// take (<c>cell.abf@0-9,12</c>), or a voltage and a current file paired into one recording
/// (<c>B6_Ch3_181.ibw+B6_Ch0_181.ibw</c>, as Igor waves store them); several names are laid end to end,
/// every sweep of every file a segment that nothing crosses.
/// </summary>
internal sealed class DataArguments
{
    public Option<double?> Dt { get; } = CommandContext.DtOption();

    public Option<string?> Layout { get; } = CommandContext.LayoutOption();

    public Option<string[]> Voltage { get; } = new("--voltage")
    {
        Description = "Voltage channel(s), one per neuron: NAME or NAME:UNIT (e.g. \"IN 0\" or \"IN 0:mV\"); default: V or V1, V2, ...",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> Current { get; } = new("--current")
    {
        Description = "Injected-current channel(s), one per voltage: NAME or NAME:UNIT (e.g. \"Cmd 0:pA\" for the command an ABF's protocol plays, \"Imemb\" for a recorded one)",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> Sweeps { get; } = new("--sweeps")
    {
        Description = "Sweeps to take from every file that does not name its own (FILE@LIST): a list such as 0-9,12 (0 = the first sweep)",
    };

    public Option<int?> Upsample { get; } = CommandContext.Within(new Option<int?>("--upsample")
    {
        Description = "Step the model N times per data sample (voltage interpolated, current held): for records too coarse for a spike's upstroke, such as QSNMC 2007 at 1 kHz",
    }, 1, 100, "");

    public Option<string?> SeriesResistance { get; } = new("--series-resistance")
    {
        Description = "MOHM or auto: remove the electrode's series resistance times the current from the recorded voltage (bridge error), so the model fits the membrane; " +
            "auto estimates it from the voltage's jumps with the current (printed in the data's name)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Upsample);
        command.Options.Add(SeriesResistance);
        command.Options.Add(Dt);
        command.Options.Add(Layout);
        command.Options.Add(Voltage);
        command.Options.Add(Current);
        command.Options.Add(Sweeps);
    }

    public Recording Open(ParseResult parsed, string path)
    {
        string? layout = parsed.GetValue(Layout);
        return RecordingFormats.Open(path, new RecordingOptions(parsed.GetValue(Dt), layout is null ? null : RecordingFormats.Layout(layout)));
    }

    /// <summary>One recording as V (mV) / I (nA) per neuron (channels chosen by --voltage/--current), its sweeps as segments.</summary>
    public Dataset Load(ParseResult parsed, string spec) => Load(parsed, [spec]);

    /// <summary>Every named recording, laid end to end (see the class summary).</summary>
    public Dataset Load(ParseResult parsed, IReadOnlyList<string> specs)
    {
        var parts = specs.Select(spec => LoadOne(parsed, spec)).ToArray();
        Dataset data = parts.Length == 1 ? parts[0] : Dataset.Concatenate(string.Join(" + ", specs), parts);
        if (parsed.GetValue(SeriesResistance) is string bridge)
        {
            double[] megaohms = bridge == "auto"
                ? Enumerable.Range(0, data.Neurons.Count).Select(n => Trainer.Data.SeriesResistance.Estimate(data, n)).Select(r => double.IsNaN(r) ? 0 : r).ToArray()
                : double.TryParse(bridge, NumberStyles.Float, CultureInfo.InvariantCulture, out double r)
                    ? Enumerable.Repeat(r, data.Neurons.Count).ToArray()
                    : throw new UserError($"--series-resistance {UserError.Printable(bridge)}: expected a resistance in MΩ or auto");
            data = Trainer.Data.SeriesResistance.Remove(data, megaohms);
        }

        return parsed.GetValue(Upsample) is int factor and > 1 ? data.Upsample(factor) : data;
    }

    private Dataset LoadOne(ParseResult parsed, string spec)
    {
        string? sweepList = parsed.GetValue(Sweeps);
        string files = spec;
        int at = spec.LastIndexOf('@');
        if (at > 0 && !File.Exists(spec))
        {
            files = spec[..at];
            sweepList = spec[(at + 1)..];
        }

        string[] pair = File.Exists(files) ? [files] : files.Split('+');
        Recording recording;
        if (pair.Length == 2)
        {
            // A voltage wave and a current wave (Igor's Ch3/Ch0): one channel each, combined.
            recording = Recording.Combine(files, (Open(parsed, pair[0]), "V"), (Open(parsed, pair[1]), "I"));
        }
        else if (pair.Length == 1)
        {
            recording = Open(parsed, pair[0]);
        }
        else
        {
            throw new UserError($"{spec}: expected FILE, FILE@SWEEPS or VOLTAGE_FILE+CURRENT_FILE");
        }

        string[] voltages = parsed.GetValue(Voltage) ?? [], currents = parsed.GetValue(Current) ?? [];
        if (voltages.Length > 0 || currents.Length > 0)
        {
            recording = recording.Select(voltages, currents);
        }

        Dataset data = Dataset.FromRecording(recording, allowMissingCurrent: currents.Length == 0 && voltages.Length > 0);
        return sweepList is null ? data : data.SelectSegments(ParseList(sweepList, data.Segments.Count, spec));
    }

    /// <summary>"0-9,12" → 0…9, 12; each index below <paramref name="count"/>.</summary>
    public static int[] ParseList(string list, int count, string what)
    {
        var result = new List<int>();
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int from)
                || !int.TryParse(ends[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int to) || to < from)
            {
                throw new UserError($"{what}: sweep list '{UserError.Printable(list)}': expected numbers and ranges such as 0-9,12");
            }

            if (to >= count)
            {
                throw new UserError($"{what}: sweep {to} asked for; it has sweeps 0–{count - 1}");
            }

            result.AddRange(Enumerable.Range(from, to - from + 1));
        }

        return result.Count > 0 ? result.ToArray() : throw new UserError($"{what}: the sweep list is empty");
    }
}
