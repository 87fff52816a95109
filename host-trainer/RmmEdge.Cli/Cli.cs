using System.CommandLine;
using RmmEdge.Trainer;

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
        root.Subcommands.Add(TrainCommand.Build(context));
        root.Subcommands.Add(EvalCommand.Build(context));
        root.Subcommands.Add(CompileCommand.Build(context));
        root.Subcommands.Add(BudgetCommand.Build(context));
        root.Subcommands.Add(ReportCommand.Build(context));
        root.Subcommands.Add(EmulateCommand.Build(context));
        root.Subcommands.Add(BenchCommand.Build(context));
        root.Subcommands.Add(BoardCommands.Flash(context));
        root.Subcommands.Add(BoardCommands.Run(context));
        root.Subcommands.Add(BoardCommands.MonitorCommand(context));

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"rmm: {UserError.OneLine(parsed.Errors[0].Message)} (see rmm --help)");
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
}
