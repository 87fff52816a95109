using System.CommandLine;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Cli;

/// <summary>`rmm simulate`: a recording from the built-in conductance-based simulator, as CSV.</summary>
internal static class SimulateCommand
{
    public static Command Build(CommandContext context)
    {
        var system = new Option<string>("--system") { Description = "stg (Prinz neuron A), hco (half-centre of two), hh (Hodgkin-Huxley)", DefaultValueFactory = _ => "stg" };
        var cell = new Option<string?>("--cell") { Description = $"A Prinz model neuron instead of neuron A (stg and hco): {string.Join(", ", StgConductances.Catalogue.Keys)}" };
        var synapse = CommandContext.Within(new Option<double?>("--synapse-ns") { Description = "hco: each graded inhibitory synapse (nS; default 30)" }, 0, 1000, "nS");
        var seconds = CommandContext.Within(new Option<double>("--seconds") { Description = "Duration of the recording (s, at most an hour)", DefaultValueFactory = _ => 60 }, 0.01, 3600, "s");
        var seed = new Option<int>("--seed") { Description = "Seed of the injected current", DefaultValueFactory = _ => 1 };
        var rest = CommandContext.Within(new Option<double>("--rest") { Description = "Fraction of the steps at rest: no current and no noise, so the record shows the cell's own rhythm (0-1)" }, 0, 1, "");
        var quiet = CommandContext.Within(new Option<double>("--quiet") { Description = "Fraction of the other steps held without noise: constant current at the step's level (0-1)" }, 0, 1, "");
        var output = CommandContext.OutputOption("CSV file to write (.csv or .csv.gz)");
        var command = new Command("simulate", "Simulate a current-clamp recording with the built-in simulator (OU noise + steps at 10 kHz).\n" +
            "Examples:\n  rmm simulate --system hco --seconds 60 --out hco.csv.gz\n  rmm simulate --system stg --rest 0.3 --out stg-with-rest.csv.gz\n" +
            "  rmm simulate --system stg --cell lp-4 --rest 0.3 --quiet 0.3 --out lp4.csv.gz\n  rmm simulate --system hco --cell burster-2003 --synapse-ns 20 --out hco2.csv.gz");
        foreach (Option o in new Option[] { system, cell, synapse, seconds, seed, rest, quiet, output }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            Dataset data = BuiltInData.Simulate(parsed.GetValue(system)!, parsed.GetValue(seconds), parsed.GetValue(seed), parsed.GetValue(rest),
                parsed.GetValue(quiet), parsed.GetValue(cell), parsed.GetValue(synapse) / 1000);
            string path = parsed.GetValue(output)!;
            CsvRecordingWriter.Write(data, path);
            context.Out.WriteLine($"wrote {path}: {data.Source}, {data.Neurons.Count} neuron(s), {data.Length:N0} samples");
            return Cli.Ok;
        });
        return command;
    }
}
