using System.CommandLine;
using RmmEdge.Bench;

namespace RmmEdge.Cli;

/// <summary>`rmm bench`: the throughput benchmarks, each with its baselines measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Build(CommandContext context)
    {
        var which = new Argument<string>("benchmark") { Description = "teacher-forcing or multiple-shooting", DefaultValueFactory = _ => "teacher-forcing" };
        which.AcceptOnlyFromAmong("teacher-forcing", "multiple-shooting");
        var epochs = new Option<int?>("--epochs") { Description = "Epochs to time (defaults: 200 teacher-forcing, 3 multiple-shooting)" };
        var command = new Command("bench", "Measure training throughput on the authors' LP-sized model (600,000 samples at 10 kHz), with baselines in the same run.\n" +
            "Example: rmm bench teacher-forcing --epochs 200");
        command.Arguments.Add(which);
        command.Options.Add(epochs);
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(which) == "multiple-shooting")
            {
                MultipleShootingBench.Run(parsed.GetValue(epochs) ?? 3, context.Out);
            }
            else
            {
                TeacherForcingBench.Run(parsed.GetValue(epochs) ?? 200, context.Out);
            }

            return Cli.Ok;
        });
        return command;
    }
}
