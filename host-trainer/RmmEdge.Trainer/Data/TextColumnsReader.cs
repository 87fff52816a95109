using System.Globalization;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// How the columns of a headerless (or units-only) numeric text file map to channels.
/// </summary>
/// <param name="Names">One name per column ("t", "I", "V", ...).</param>
/// <param name="Units">One unit per column; null to read them from leading quoted lines ("s", "pA", "mV" as in the
/// Blue Brain .asc exports).</param>
/// <param name="TimeColumn">Index of the time column, or −1 when there is none (the period must then be given).</param>
/// <param name="TimeIsSampleIndex">The time column counts samples (0, 1, 2, ...); the period must be given.</param>
public sealed record ColumnLayout(string[] Names, string[]? Units, int TimeColumn = 0, bool TimeIsSampleIndex = false)
{
    /// <summary>QSNMC 2007 Challenge A: sample index, I (pA), V (mV); the period is not in the file.</summary>
    public static ColumnLayout QsnmcChallengeA { get; } = new(["index", "I", "V"], ["", "pA", "mV"], 0, TimeIsSampleIndex: true);

    /// <summary>Blue Brain Project .asc exports: three quoted unit lines, then t, I, V tab-separated.</summary>
    public static ColumnLayout BlueBrainAsc { get; } = new(["t", "I", "V"], null);

    /// <summary>eFEL test traces: t (ms), V (V), I (A).</summary>
    public static ColumnLayout EfelTrace { get; } = new(["t", "V", "I"], ["ms", "V", "A"]);
}

/// <summary>
/// Reads whitespace-, tab- or comma-separated numeric columns (plain or gzip) whose meaning the caller
/// states with a <see cref="ColumnLayout"/>: the public competition and test-data formats that carry
/// no name_unit header. Converts to mV, nA and ms; checks that time advances by a constant step.
/// </summary>
public static class TextColumnsReader
{
    public static Recording Read(string path, ColumnLayout layout, double? dtMs = null)
    {
        return TextInput.Read(path, reader => Read(reader, path, layout, dtMs));
    }

    public static Recording Read(TextReader reader, string source, ColumnLayout layout, double? dtMs)
    {
        int n = layout.Names.Length;
        var units = layout.Units?.ToList() ?? [];
        var columns = Enumerable.Range(0, n).Select(_ => new SampleColumn()).ToArray();
        var time = layout.TimeColumn >= 0 ? new TimeColumnCheck(source, layout.Names[layout.TimeColumn]) : null;
        string? line;
        int lineNumber = 0, rows = 0;
        char[] separators = [' ', '\t', ','];
        while ((line = reader.ReadLine()) != null)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed.StartsWith('"') && rows == 0 && layout.Units is null)
            {
                units.Add(trimmed.Trim('"'));
                continue;
            }

            string[] fields = trimmed.Split(separators, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != n)
            {
                throw new UserError($"{source}, line {lineNumber}: {fields.Length} columns, expected {n} ({string.Join(", ", layout.Names)})" +
                    (rows == 0 && lineNumber == 1 ? LayoutHint(fields.Length) : ""));
            }

            for (int c = 0; c < n; c++)
            {
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                {
                    throw new UserError($"{source}, line {lineNumber}, column {layout.Names[c]}: '{UserError.Printable(fields[c])}' is not a finite number");
                }

                if (c == layout.TimeColumn)
                {
                    time!.Add(v, lineNumber);
                }
                else
                {
                    columns[c].Add(v, source, lineNumber);
                }
            }

            rows++;
        }

        if (units.Count != n)
        {
            throw new UserError($"{source}: {units.Count} units for {n} columns; expected one unit per column ({string.Join(", ", layout.Names)})");
        }

        if (rows < 2)
        {
            throw new UserError($"{source}: {rows} data rows, expected at least 2");
        }

        double dt = TimeStep(source, layout, units, time, dtMs);
        var channels = new List<Channel>();
        for (int c = 0; c < n; c++)
        {
            if (c == layout.TimeColumn)
            {
                continue;
            }

            var conversion = Units.ToCanonical(units[c]);
            channels.Add(new Channel(layout.Names[c], conversion?.Canonical ?? units[c], columns[c].ToArray(source, conversion?.Factor ?? 1)));
        }

        return new Recording(source, dt, channels);
    }

    private static double TimeStep(string source, ColumnLayout layout, List<string> units, TimeColumnCheck? time, double? dtMs)
    {
        if (time is null)
        {
            return dtMs ?? throw new UserError($"{source}: the file has no time column; give the sampling period");
        }

        double factor;
        if (layout.TimeIsSampleIndex)
        {
            if (dtMs is null)
            {
                throw new UserError($"{source}: the first column counts samples and the sampling period is not in the file; give it");
            }

            factor = dtMs.Value;
        }
        else
        {
            factor = Units.ToCanonical(units[layout.TimeColumn]) is { Canonical: "ms" } u
                ? u.Factor
                : throw new UserError($"{source}: time column unit '{UserError.Printable(units[layout.TimeColumn])}' is not a time (s, ms, us)");
        }

        return Math.Round(time.Step * factor, 12);
    }

    /// <summary>For a file whose first line does not fit the layout: the presets whose column count fits.</summary>
    private static string LayoutHint(int columnCount)
    {
        string[] fitting = RecordingFormats.LayoutsWithColumns(columnCount);
        return fitting.Length == 0 ? "" : $"; layouts with {columnCount} columns: {string.Join(", ", fitting)}";
    }
}
