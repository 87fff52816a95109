using Spectre.Console;

namespace RmmEdge.Cli;

/// <summary>Tables for people: a Spectre.Console table on a terminal, aligned plain columns in logs and pipes.</summary>
internal static class Tables
{
    public static void Print(CommandContext context, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var data = rows.ToList();
        if (ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (string h in headers) { table.AddColumn(new TableColumn(Markup.Escape(h))); }
            foreach (var row in data) { table.AddRow(row.Select(Markup.Escape).ToArray()); }
            AnsiConsole.Write(table);
            return;
        }

        int[] widths = headers.Select((h, i) => Math.Max(h.Length, data.Count == 0 ? 0 : data.Max(r => r[i].Length))).ToArray();
        context.Out.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in data)
        {
            context.Out.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
