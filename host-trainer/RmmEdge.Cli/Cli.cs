using System.CommandLine;
using RmmEdge.Rig;

namespace RmmEdge.Cli;

/// <summary>
/// The command tree and its one error policy: a parse error prints one line and exits 2; a
/// <see cref="UserError"/> (missing file, wrong format, bad value) prints one line and exits 1;
/// anything else is a bug, reported as such, exit 1.
/// </summary>
public static class Cli
{
    public const int Ok = 0, Failure = 1, Usage = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "RmmEdge: fit recurrent mechanistic models (RMMs) of neurons and circuits, compile them to fixed point, and check them.\n" +
            "Examples:\n" +
            "  rmm demo\n" +
            "  rmm inspect cell.abf\n" +
            "  rmm simulate --system stg --seconds 60 --out stg.csv\n" +
            "  rmm train stg.csv --out stg.rmm.json\n" +
            "  rmm eval stg.rmm.json test.csv\n" +
            "  rmm compile stg.rmm.json --out stg.rmmq --held-out test.csv");
        var context = new CommandContext(stdout, stderr);
        root.Subcommands.Add(DemoCommand.Build(context));
        root.Subcommands.Add(InspectCommand.Build(context));
        root.Subcommands.Add(SimulateCommand.Build(context));
        root.Subcommands.Add(ProtocolCommand.Build(context));
        root.Subcommands.Add(TrainCommand.Build(context));
        root.Subcommands.Add(SweepCommand.Build(context));
        root.Subcommands.Add(EvalCommand.Build(context));
        root.Subcommands.Add(CompileCommand.Build(context));
        root.Subcommands.Add(BudgetCommand.Build(context));
        root.Subcommands.Add(ReportCommand.Build(context));
        root.Subcommands.Add(EmulateCommand.Build(context));
        root.Subcommands.Add(BoardCommands.Flash(context));
        root.Subcommands.Add(BoardCommands.Run(context));
        root.Subcommands.Add(BoardCommands.MonitorCommand(context));
        root.Subcommands.Add(ReadNwbCommand.Build(context));
        ReadNwbCommand.Install();

        var verbose = new Option<bool>("--verbose") { Description = "On an unexpected error, also print its stack trace", Recursive = true };
        root.Options.Add(verbose);

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"rmm: {UserError.OneLine(PlainParseError(parsed.Errors[0].Message))} (see rmm --help)");
            return Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UserError or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"rmm: {UserError.OneLine(e.Message)}");
            return Failure;
        }
        catch (Exception e)
        {
            // The last resort: a bug, not the user's mistake. One line; the trace behind --verbose.
            stderr.WriteLine($"rmm: internal error ({e.GetType().Name}: {UserError.OneLine(e.Message)}); please report it, with --verbose for the stack trace");
            if (parsed.GetValue(verbose))
            {
                stderr.WriteLine(e.ToString());
            }

            return Failure;
        }
    }

    /// <summary>
    /// System.CommandLine names .NET types in its conversion errors ("expected type
    /// 'System.Nullable`1[System.Int32]'"); this says what the user must type instead.
    /// </summary>
    public static string PlainParseError(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message,
            @"^Cannot parse argument '(?<value>.*)' for (?<what>option|argument) '(?<name>[^']*)' as expected type '(System\.Nullable`1\[)?System\.(?<type>\w+)\]?'\.?$");
        if (!match.Success)
        {
            return message;
        }

        string expected = match.Groups["type"].Value switch
        {
            "Int32" => "a whole number from -2,147,483,648 to 2,147,483,647",
            "UInt32" => "a whole number from 0 to 4,294,967,295",
            "UInt16" => "a whole number from 0 to 65,535",
            "Byte" => "a whole number from 0 to 255",
            "Int64" => "a whole number",
            "Double" or "Single" => "a number such as 0.5 or 1e-3",
            "Boolean" => "true or false",
            string other => $"a value of type {other}",
        };
        return $"{match.Groups["name"].Value} {UserError.Printable(match.Groups["value"].Value)}: expected {expected}";
    }
}

/// <summary>Where commands write, and the options every command shares.</summary>
public sealed class CommandContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>--json: machine-readable output on stdout instead of text.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Print machine-readable JSON instead of text" };

    /// <summary>Recording options shared by every command that reads data.</summary>
    public static Option<double?> DtOption() => new("--dt") { Description = "Sampling period in ms, for formats that do not store it (MAT, QSNMC text)" };

    public static Option<string?> LayoutOption() => new("--layout") { Description = "Column layout of a headerless text file: qsnmc, bbp-asc, efel" };

    /// <summary>--warmup-ms: the start of every segment that is teacher forced, not scored or fitted (Evaluation.Transient).</summary>
    public static Option<double?> WarmupOption() => Within(new Option<double?>("--warmup-ms")
    {
        Description = "Start of every sweep that is neither fitted nor scored (ms); default: the filter banks' warm-up on long records, 100 ms on sweeps (printed)",
    }, 0, 1e7, "ms");

    /// <summary>An output file option, checked when the command line is parsed (its folder exists, it is not a folder), so no work is lost to a typo.</summary>
    public static Option<string> OutputOption(string description, bool required = true)
    {
        var option = new Option<string>("--out") { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is string path)
            {
                try
                {
                    UserFiles.CheckOutput(path);
                }
                catch (UserError e)
                {
                    result.AddError($"--out {e.Message}");
                }
            }
        });
        return option;
    }

    /// <summary>Adds a parse-time check that <paramref name="option"/>'s value lies in [min, max] (in <paramref name="unit"/>).</summary>
    public static Option<T> Within<T>(Option<T> option, double min, double max, string unit)
    {
        option.Validators.Add(result =>
        {
            object? value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return;   // not a number at all: the parser's own error says so
            }

            if (value is null)
            {
                return;
            }

            double x = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            if (!(x >= min && x <= max))
            {
                result.AddError(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{option.Name} {x}: expected {min}–{max} {unit}").TrimEnd());
            }
        });
        return option;
    }
}
