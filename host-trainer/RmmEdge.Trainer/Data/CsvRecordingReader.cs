using System.Globalization;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads CSV or TSV recordings, plain or gzip-compressed (by the .gz suffix or the gzip magic bytes).
/// The first line is a header of <c>name_unit</c> columns, e.g. <c>t_s,V_mV,I_nA</c> or
/// <c>t_ms,V1_mV,I1_pA,V2_mV,I2_pA</c>. The first column may be time (t_s, t_ms, time_s, ...): then
/// the sampling period comes from it and it must increase by a constant step; otherwise the caller
/// gives the period. Values are converted to mV, nA and ms on import.
/// </summary>
public static class CsvRecordingReader
{
    public static Recording Read(string path, double? dtMs = null)
    {
        return TextInput.Read(path, reader => Read(reader, path, dtMs));
    }

    public static Recording Read(TextReader reader, string source, double? dtMs = null)
    {
        string? header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new UserError($"{source}: empty file, expected a header line such as t_s,V_mV,I_nA");
        }

        char separator = header.Contains('\t') ? '\t' : header.Contains(';') && !header.Contains(',') ? ';' : ',';
        string[] names = header.Split(separator).Select(h => h.Trim().Trim('"')).ToArray();
        string[] numbers = header.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        if (numbers.All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            string[] fitting = RecordingFormats.LayoutsWithColumns(numbers.Length);
            throw new UserError($"{source}: the first line is {numbers.Length} numbers, not a name_unit header such as t_s,V_mV,I_nA; " +
                (fitting.Length > 0 ? $"if it is headerless text give its layout: --layout {string.Join(" or --layout ", fitting)}" : "give it a header line"));
        }

        var columns = names.Select(ParseColumn(source)).ToArray();

        bool hasTime = columns[0].Canonical == "ms";
        if (!hasTime && dtMs is null)
        {
            throw new UserError($"{source}: the first column '{names[0]}' is not time (t_s or t_ms) and no sampling period was given");
        }

        var values = columns.Select(_ => new SampleColumn()).ToArray();
        var time = hasTime ? new TimeColumnCheck(source, names[0]) : null;
        string? line;
        int lineNumber = 1;
        while ((line = reader.ReadLine()) != null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            ReadOnlySpan<char> rest = line.AsSpan();
            for (int c = 0; c < columns.Length; c++)
            {
                int comma = rest.IndexOf(separator);
                ReadOnlySpan<char> field = comma < 0 ? rest : rest[..comma];
                if (comma < 0 && c < columns.Length - 1)
                {
                    throw new UserError($"{source}, line {lineNumber}: {c + 1} fields, expected {columns.Length} ({UserError.Printable(string.Join(",", names))})");
                }

                if (!double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                {
                    throw new UserError($"{source}, line {lineNumber}, column {UserError.Printable(names[c])}: '{UserError.Printable(field.ToString())}' is not a finite number");
                }

                if (c == 0 && time is not null)
                {
                    time.Add(v * columns[0].Factor, lineNumber);
                }
                else
                {
                    values[c].Add(v * columns[c].Factor, source, lineNumber);
                }

                rest = comma < 0 ? ReadOnlySpan<char>.Empty : rest[(comma + 1)..];
            }

            if (!rest.IsEmpty)
            {
                throw new UserError($"{source}, line {lineNumber}: more than {columns.Length} fields");
            }
        }

        int rows = values[^1].Count;
        if (rows < 2)
        {
            throw new UserError($"{source}: {rows} data rows, expected at least 2");
        }

        double dt = time is not null ? Math.Round(time.Step, 12) : dtMs!.Value;
        var channels = new List<Channel>();
        for (int c = hasTime ? 1 : 0; c < columns.Length; c++)
        {
            channels.Add(new Channel(columns[c].Name, columns[c].Canonical, values[c].ToArray(source)));
        }

        return new Recording(source, dt, channels);
    }

    private static Func<string, (string Name, string Canonical, double Factor)> ParseColumn(string source) => header =>
    {
        int underscore = header.LastIndexOf('_');
        if (underscore <= 0 || underscore == header.Length - 1)
        {
            throw new UserError($"{source}: header column '{UserError.Printable(header)}' has no unit; expected name_unit such as V_mV or I_nA");
        }

        string name = header[..underscore];
        string unit = header[(underscore + 1)..];
        var conversion = Units.ToCanonical(unit);
        return conversion is { } c ? (name, c.Canonical, c.Factor) : (name, unit, 1.0);
    };
}
