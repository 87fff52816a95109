using System.CommandLine;
using System.Text.Json;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Cli;

/// <summary>`rmm inspect FILE`: format, channels, units, rate, duration, sweeps and value ranges of a recording.</summary>
internal static class InspectCommand
{
    public static Command Build(CommandContext context)
    {
        var file = new Argument<string>("file") { Description = "Recording: ABF, IBW, MAT, CSV/TSV (.gz too), headerless text with --layout" };
        var json = CommandContext.JsonOption();
        var data = new DataArguments();
        var command = new Command("inspect", "Show what a recording holds.\nExample: rmm inspect cell.abf --json");
        command.Arguments.Add(file);
        command.Options.Add(json);
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(file)!;
            string format = RecordingFormats.Detect(path);
            Recording r = data.Open(parsed, path);
            var channels = r.Channels.Select(c => new
            {
                Name = UserError.Escape(c.Name),
                Unit = UserError.Escape(c.Unit),
                Min = c.Samples.Length == 0 ? 0 : c.Samples.Min(),
                Max = c.Samples.Length == 0 ? 0 : c.Samples.Max(),
            }).ToArray();
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    File = path, Format = format, RateKhz = 1 / r.DtMs, r.DtMs, DurationS = r.DurationMs / 1000,
                    r.Sweeps, SweepSamples = r.SweepLength, Channels = channels,
                }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
                return Cli.Ok;
            }

            context.Out.WriteLine($"{path}: {format}, {1 / r.DtMs:0.###} kHz (dt {r.DtMs:0.#####} ms), {r.DurationMs / 1000:0.###} s, " +
                $"{r.Sweeps} sweep(s) of {r.SweepLength:N0} samples");
            Tables.Print(context, ["channel", "unit", "min", "max"],
                channels.Select(c => (IReadOnlyList<string>)[c.Name, c.Unit, c.Min.ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
                    c.Max.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)]));

            return Cli.Ok;
        });
        return command;
    }
}
