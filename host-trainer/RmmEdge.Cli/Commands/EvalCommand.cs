using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm eval MODEL DATA...`: free run on recordings (every sweep on its own) and the metrics of
/// metrics.md per modelled neuron; per-sweep table, repetitions (Γ/R), and the free run as CSV.
/// </summary>
internal static class EvalCommand
{
    public static Command Build(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Float model (.rmm.json)" };
        var files = new Argument<string[]>("data") { Description = "Recording(s) to free-run on (not seen in training): FILE, FILE@SWEEPS, V_FILE+I_FILE", Arity = ArgumentArity.OneOrMore };
        var json = CommandContext.JsonOption();
        var repetitions = new Option<bool>("--repetitions") { Description = "The files are repetitions of one stimulus: also report Γ against every repetition, the cell's reliability R and Γ/R" };
        var warmup = CommandContext.WarmupOption();
        var threshold = new Option<float?>("--spike-threshold") { Description = "Spike threshold (mV); default: from the data (printed)" };
        var rearm = new Option<float?>("--spike-rearm") { Description = "Re-arm level (mV) below the threshold; default: from the data (printed)" };
        var output = CommandContext.OutputOption("Write the free run as CSV: t_s, sweep, then the model's and the cell's voltage per neuron", required: false);
        var probes = new Option<string?>("--probes") { Description = $"Also free-run on stimulus classes the model never saw (chirp, ramp, new steps, other noise) and under constant current, beside this simulated cell: {string.Join(", ", StgConductances.Catalogue.Keys)}" };
        var compiled = new Option<string?>("--rmmq") { Description = "With --probes: also free-run every probe with this compiled model and compare it with the float model" };
        var probesOut = new Option<string?>("--probes-out") { Description = "With --probes: write every probe's free run beside the cell's as CSV: probe, t_s, I_nA, V_mV (model), Vdata_mV (cell)" };
        var data = new DataArguments();
        var command = new Command("eval", "Free-run a model on recordings: spikes, Γ at ±2 and ±4 ms, burst period, spikes per burst, RMSE, per sweep.\n" +
            "Examples:\n  rmm eval stg.rmm.json test.csv --json\n  rmm eval cell.rmm.json steps.abf@12-16 --out trace.csv\n  rmm eval cell.rmm.json 04-0 04-1 04-2 04-3 --layout qsnmc --dt 1 --repetitions\n  rmm eval lp.rmm.json lp-test.csv --probes lp-4 --rmmq lp.rmmq --probes-out lp-probes.csv");
        command.Arguments.Add(model);
        command.Arguments.Add(files);
        foreach (Option o in new Option[] { json, repetitions, warmup, threshold, rearm, output, probes, compiled, probesOut }) { command.Options.Add(o); }
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            Network network = ModelFile.Load(parsed.GetValue(model)!);
            ProbeRun? probeRun = ProbeRun.Prepare(network, parsed.GetValue(probes), parsed.GetValue(compiled), parsed.GetValue(probesOut));
            string[] names = parsed.GetValue(files)!;
            Dataset dataset = data.Load(parsed, names);
            Transient transient = Transient.For(network, dataset, parsed.GetValue(warmup));
            SegmentRuns runs = FreeRun.RunSegments(network, dataset, transient);
            SpikeRule rule = Rule(parsed.GetValue(threshold), parsed.GetValue(rearm),
                () => SpikeRule.FromRuns(network, runs, dataset.DtMs));
            NeuronScore[] scores = Scoring.Score(network, runs.Runs, 4, rule: rule);
            var none = CircularPhase.Of([]);
            (CircularPhase Model, CircularPhase Data)[] phases = scores.Select((s, i) => i == 0 ? (none, none) : Scoring.Phase(scores[0], s)).ToArray();
            SweepScore[][] sweeps = network.Models.Select(m => SweepScores.PerSweep(m, runs, rule)).ToArray();
            Repeatability[]? repeats = parsed.GetValue(repetitions) ? network.Models.Select(m => Repeatability.Of(m, runs, rule, names.Length)).ToArray() : null;
            if (parsed.GetValue(output) is string csv)
            {
                WriteTrace(csv, network, runs);
            }

            ProbeRun.Result? generalisation = probeRun?.Run();
            string? tracesPath = generalisation is null ? null : parsed.GetValue(probesOut);
            if (tracesPath is not null)
            {
                generalisation!.WriteTraces(tracesPath);
            }

            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    SpikeRule = rule.ToString(), Transient = transient.Rule, Segments = runs.Runs.Count,
                    Neurons = scores.Select((s, i) => new
                    {
                        s.Neuron, s.RmseMv, s.DataSpikes, s.ModelSpikes, Gamma4Ms = s.Gamma, s.Gamma2Ms, s.AngularSeparation, s.Diverged,
                        s.ModelOutsideTrainedRange, s.DataOutsideTrainedRange,
                        DataPeriodMs = s.DataBursts.PeriodMs, ModelPeriodMs = s.ModelBursts.PeriodMs, s.PeriodError,
                        DataSpikesPerBurst = s.DataBursts.SpikesPerBurst, ModelSpikesPerBurst = s.ModelBursts.SpikesPerBurst, s.SpikesPerBurstError,
                        ModelPhase = phases[i].Model.Mean, ModelPhaseR = phases[i].Model.Resultant, DataPhase = phases[i].Data.Mean, DataPhaseR = phases[i].Data.Resultant,
                        Sweeps = i < sweeps.Length ? sweeps[i] : [],
                        Repetitions = repeats is not null && i < repeats.Length ? repeats[i] : null,
                    }),
                    Generalisation = generalisation?.ForJson(),
                }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                return scores.Any(s => s.Diverged) ? Cli.Failure : Cli.Ok;
            }

            double scoredSeconds = runs.Runs.Sum(r => (r.Data.Length - r.Run.Start) * r.Data.DtMs) / 1000;
            context.Out.WriteLine($"free run of {parsed.GetValue(model)} on {dataset.Source}: {runs.Runs.Count} segment(s), {scoredSeconds:0.0} s scored; warm-up: {transient}");
            context.Out.WriteLine($"spikes: {rule}");
            Tables.Print(context, ["neuron", "spikes", "Γ (±2 ms)", "Γ (±4 ms)", "burst period (ms)", "spikes/burst", "RMSE (mV)", "angular separation", NeuronScore.OutsideTrainedRangeHeading],
                scores.Select((s, i) => (IReadOnlyList<string>)
                [
                    s.Neuron + (s.Diverged ? " (diverged)" : ""), $"{s.ModelSpikes} vs {s.DataSpikes}", Gamma(s.Gamma2Ms), Gamma(s.Gamma),
                    .. BurstCells(s),
                    $"{s.RmseMv:0.00}", $"{s.AngularSeparation:0.000}", s.OutsideTrainedRangeFigures,
                ]));
            foreach (NeuronModel m in network.Models)
            {
                if (m.TrainedVoltageRange is (float low, float high))
                {
                    context.Out.WriteLine($"trained voltage range of {m.Spec.Name}: {low:0.0} … {high:0.0} mV (outside it the currents are extrapolated: they stop changing and only the leak acts)");
                }
            }

            for (int i = 1; i < scores.Length; i++)
            {
                context.Out.WriteLine($"phase of {scores[i].Neuron}'s bursts in {scores[0].Neuron}'s cycle: free run {phases[i].Model}, data {phases[i].Data} " +
                    "(circular mean; 0.5 = anti-phase; R = resultant length, 1 = locked)");
            }

            if (runs.Runs.Count > 1)
            {
                for (int m = 0; m < sweeps.Length; m++)
                {
                    context.Out.WriteLine($"per sweep, {network.Models[m].Spec.Name} (model vs cell; latency after the warm-up; subthreshold: more than {SweepScores.SpikeMarginMs:0} ms from any spike):");
                    Tables.Print(context, [.. SweepScore.Headers, "count ±20 %"],
                        sweeps[m].Select(w => (IReadOnlyList<string>)[.. w.Cells(), w.CountWithin20Percent ? "yes" : "no"]));
                    context.Out.WriteLine($"spike count within ±20 % (or ±2) on {sweeps[m].Count(w => w.CountWithin20Percent)} of {sweeps[m].Length} sweeps");
                }
            }

            if (repeats is not null)
            {
                foreach (Repeatability r in repeats)
                {
                    context.Out.WriteLine(r.ToString());
                }
            }

            foreach (string line in RestLines(network, dataset, transient))
            {
                context.Out.WriteLine(line);
            }

            generalisation?.Print(context);
            if (parsed.GetValue(output) is string written)
            {
                context.Out.WriteLine($"wrote {written}");
            }

            if (tracesPath is not null)
            {
                context.Out.WriteLine($"wrote {tracesPath}");
            }

            return scores.Any(s => s.Diverged) ? Cli.Failure : Cli.Ok;
        });
        return command;
    }

    private static SpikeRule Rule(float? threshold, float? rearm, Func<SpikeRule> fromData)
    {
        if (threshold is float asked && rearm is float below)
        {
            return below < asked ? new SpikeRule(asked, below, "as asked") : throw new UserError($"--spike-rearm {below}: expected below the threshold {asked} mV");
        }

        SpikeRule auto = fromData();
        if (threshold is null && rearm is null)
        {
            return auto;
        }

        float t = threshold ?? auto.ThresholdMv, r = rearm ?? Math.Min(auto.RearmMv, t - 5);
        if (!(r < t))
        {
            throw new UserError($"--spike-rearm {r}: expected below the threshold {t} mV");
        }

        return new SpikeRule(t, r, "as asked");
    }

    /// <summary>
    /// Where the data shows the cell at rest (a single neuron whose currents are its own): whether the
    /// model's linearised step map there lets deviations die out (<see cref="RestLinearisation"/>).
    /// </summary>
    private static IEnumerable<string> RestLines(Network network, Dataset dataset, Transient transient)
    {
        if (network.Models.Length != 1 || !RestLinearisation.Applies(network.Models[0])) { yield break; }
        NeuronModel model = network.Models[0];
        foreach (Rest rest in RestFinder.Find(dataset, model.Index, transient.Samples))
        {
            yield return $"at rest in the data ({rest}, {rest.Length * dataset.DtMs:0} ms): the model is " +
                RestLinearisation.At(model, network.DtMs, rest.VoltageMv, rest.CurrentNa).Describe();
        }
    }

    private static string Gamma(double g) => double.IsNaN(g) ? "undefined" : g.ToString("0.000", CultureInfo.InvariantCulture);


    /// <summary>The free run and the data, segment after segment: t_s (within the segment, after its warm-up), sweep, then model and cell per neuron.</summary>
    private static void WriteTrace(string path, Network network, SegmentRuns runs) =>
        UserFiles.WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            bool one = network.NeuronCount == 1;
            var header = new List<string> { "t_s", "sweep" };
            for (int i = 0; i < network.NeuronCount; i++)
            {
                string n = one ? "" : (i + 1).ToString(CultureInfo.InvariantCulture);
                header.Add($"V{n}_mV");
                header.Add($"V{n}data_mV");
            }

            writer.WriteLine(string.Join(',', header));
            var line = new System.Text.StringBuilder();
            for (int r = 0; r < runs.Runs.Count; r++)
            {
                (Dataset data, FreeRunResult run) = runs.Runs[r];
                int sweep = runs.Indices.Length > r ? runs.Indices[r] : r;
                for (int k = 0; k < run.Voltages[0].Length; k++)
                {
                    line.Clear();
                    line.Append(((run.Start + k) * data.DtMs / 1000).ToString("0.#######", CultureInfo.InvariantCulture)).Append(',').Append(sweep);
                    for (int i = 0; i < network.NeuronCount; i++)
                    {
                        line.Append(',').Append(run.Voltages[i][k].ToString("0.###", CultureInfo.InvariantCulture));
                        line.Append(',').Append(data.Neurons[i].V[run.Start + k].ToString("0.###", CultureInfo.InvariantCulture));
                    }

                    writer.WriteLine(line);
                }
            }
        });

    /// <summary>Burst period and spikes per burst, model vs data; a dash where the data has too few bursts for them to mean anything (tonic or cortical cells).</summary>
    private static string[] BurstCells(NeuronScore s) => s.DataBursts.Bursts < SnapshotValidator.MinimumBurstsForSelection
        ? [$"— (data: {s.DataBursts.Bursts} bursts)", "—"]
        :
        [
            $"{s.ModelBursts.PeriodMs:0.0} vs {s.DataBursts.PeriodMs:0.0} ({s.PeriodError:+0.0%;-0.0%;+0.0%})",
            $"{s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00;+0.00})",
        ];
}
