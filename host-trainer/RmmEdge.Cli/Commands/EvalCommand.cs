using System.CommandLine;
using System.Text.Json;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Cli;

/// <summary>`rmm eval MODEL DATA`: free run on a recording and the metrics of metrics.md per modelled neuron.</summary>
internal static class EvalCommand
{
    public static Command Build(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Float model (.rmm.json)" };
        var file = new Argument<string>("data") { Description = "Recording to free-run on (not seen in training)" };
        var json = CommandContext.JsonOption();
        var data = new DataArguments();
        var command = new Command("eval", "Free-run a model on a recording: burst period, spikes per burst, Γ, RMSE, angular separation.\n" +
            "Example: rmm eval stg.rmm.json test.csv --json");
        command.Arguments.Add(model);
        command.Arguments.Add(file);
        command.Options.Add(json);
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            Network network = ModelFile.Load(parsed.GetValue(model)!);
            Dataset dataset = data.Load(parsed, parsed.GetValue(file)!);
            FreeRunResult run = FreeRun.Run(network, dataset, network.WarmupSamples);
            NeuronScore[] scores = Scoring.Score(network, dataset, run);
            // Phase of each neuron's bursts in the first neuron's cycle (NaN for the first).
            var none = CircularPhase.Of([]);
            (CircularPhase Model, CircularPhase Data)[] phases = scores.Select((s, i) => i == 0 ? (none, none) : Scoring.Phase(scores[0], s)).ToArray();
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(scores.Select((s, i) => new
                {
                    s.Neuron, s.RmseMv, s.DataSpikes, s.ModelSpikes, s.Gamma, s.DeltaMs, s.AngularSeparation, s.Diverged,
                    DataPeriodMs = s.DataBursts.PeriodMs, ModelPeriodMs = s.ModelBursts.PeriodMs, s.PeriodError,
                    DataSpikesPerBurst = s.DataBursts.SpikesPerBurst, ModelSpikesPerBurst = s.ModelBursts.SpikesPerBurst, s.SpikesPerBurstError,
                    ModelPhase = phases[i].Model.Mean, ModelPhaseR = phases[i].Model.Resultant, DataPhase = phases[i].Data.Mean, DataPhaseR = phases[i].Data.Resultant,
                }), new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                return Cli.Ok;
            }

            context.Out.WriteLine($"free run of {parsed.GetValue(model)} on {dataset.Source} ({(dataset.Length - run.Start) * dataset.DtMs / 1000:0.0} s after a {run.Start * dataset.DtMs / 1000:0.0} s warm-up):");
            Tables.Print(context, ["neuron", "burst period (ms)", "spikes/burst", "Γ (±4 ms)", "RMSE (mV)", "angular separation", "spikes"],
                scores.Select(s => (IReadOnlyList<string>)
                [
                    s.Neuron + (s.Diverged ? " (diverged)" : ""),
                    $"{s.ModelBursts.PeriodMs:0.0} vs {s.DataBursts.PeriodMs:0.0} ({s.PeriodError:+0.0%;-0.0%})",
                    $"{s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00})",
                    $"{s.Gamma:0.000}", $"{s.RmseMv:0.00}", $"{s.AngularSeparation:0.000}", $"{s.ModelSpikes} vs {s.DataSpikes}",
                ]));
            for (int i = 1; i < scores.Length; i++)
            {
                context.Out.WriteLine($"phase of {scores[i].Neuron}'s bursts in {scores[0].Neuron}'s cycle: free run {phases[i].Model}, data {phases[i].Data} " +
                    "(circular mean; 0.5 = anti-phase; R = resultant length, 1 = locked)");
            }

            return scores.Any(s => s.Diverged) ? Cli.Failure : Cli.Ok;
        });
        return command;
    }
}
