using System.Globalization;
using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm eval --probes CELL [--rmmq FILE]`: the generalisation verdict (<see cref="Generalisation"/>) of a
/// single-neuron model against a simulated catalogue cell, with the compiled model against the float one
/// on every probe, and (`--probes-out`) every probe's free run beside the cell's as CSV. Options are checked
/// (<see cref="Prepare"/>) before any data is read or run.
/// </summary>
internal sealed class ProbeRun
{
    private readonly Network _network;
    private readonly string _cell;
    private readonly (string Path, RmmqModel Model)? _compiled;

    private ProbeRun(Network network, string cell, (string, RmmqModel)? compiled)
    {
        _network = network;
        _cell = cell;
        _compiled = compiled;
    }

    /// <summary>Null without --probes; a UserError for an unknown cell, a circuit model, or --rmmq or --probes-out without --probes.</summary>
    public static ProbeRun? Prepare(Network network, string? cell, string? compiledPath, string? tracesPath)
    {
        if (cell is null)
        {
            return compiledPath is not null ? throw new UserError("--rmmq: compares the compiled model on the probes; give --probes CELL too")
                : tracesPath is not null ? throw new UserError("--probes-out: writes the free runs on the probes; give --probes CELL too")
                : null;
        }

        StgConductances.Named(cell);
        if (network.NeuronCount != 1 || network.Models.Length != 1)
        {
            throw new UserError($"--probes {cell}: the probes drive one simulated cell; this model has {network.NeuronCount} neurons");
        }

        if (Math.Abs(network.DtMs - BuiltInData.DtMs) > 1e-9)
        {
            throw new UserError($"--probes {cell}: the simulated cell is sampled at {BuiltInData.DtMs} ms; the model steps at {network.DtMs} ms");
        }

        (string, RmmqModel)? compiled = null;
        if (compiledPath is not null)
        {
            (_, RmmqModel model) = FixedPointRun.ReadFile(compiledPath);
            double dtMs = model.DtNs / 1e6;
            if (model.NeuronCount != 1 || Math.Abs(dtMs - network.DtMs) > 1e-6)
            {
                throw new UserError($"{compiledPath}: a compiled model of {model.NeuronCount} neuron(s) at dt {dtMs} ms; expected the float model's 1 neuron at {network.DtMs} ms");
            }

            compiled = (compiledPath, model);
        }

        return new ProbeRun(network, cell, compiled);
    }

    public Result Run()
    {
        Dictionary<string, Dataset> probes = Generalisation.Probes(_cell);
        ActivitySummary[] cellTable = Generalisation.CellTable(_cell);
        bool burster = Generalisation.IsBurster(cellTable);
        ProbeVerdict[] verdicts = Generalisation.OnProbes(_network, probes, burster);
        (bool Kept, string Figures)[]? versus = _compiled is { } c ? Generalisation.CompiledOnProbes(_network, c.Model, probes, verdicts, burster) : null;

        return new Result(_cell, burster, verdicts, Generalisation.OnConstantCurrent(_network, cellTable), _compiled?.Path, versus, probes);
    }

    public sealed record Result(string Cell, bool Burster, ProbeVerdict[] Probes, ConstantCurrentVerdict[] ConstantCurrent,
        string? CompiledPath, (bool Kept, string Figures)[]? CompiledVsFloat, IReadOnlyDictionary<string, Dataset> ProbeData)
    {
        /// <summary>
        /// Every probe's free run beside the simulated cell, one row per sample after the model's warm-up:
        /// probe, t_s (from the probe's start), I_nA (the injected current), V_mV (model), Vdata_mV (cell).
        /// </summary>
        public void WriteTraces(string path) =>
            UserFiles.WriteAtomically(path, stream =>
            {
                using var writer = new StreamWriter(stream);
                writer.WriteLine("probe,t_s,I_nA,V_mV,Vdata_mV");
                var line = new System.Text.StringBuilder();
                foreach (ProbeVerdict verdict in Probes)
                {
                    NeuronTrace cell = ProbeData[verdict.Probe].Neurons[0];
                    float[] model = verdict.Run.Voltages[0];
                    double dtMs = ProbeData[verdict.Probe].DtMs;
                    for (int k = 0; k < model.Length; k++)
                    {
                        int sample = verdict.Run.Start + k;
                        line.Clear().Append(verdict.Probe).Append(',')
                            .Append((sample * dtMs / 1000).ToString("0.#######", CultureInfo.InvariantCulture)).Append(',')
                            .Append(cell.I[sample].ToString("0.####", CultureInfo.InvariantCulture)).Append(',')
                            .Append(model[k].ToString("0.###", CultureInfo.InvariantCulture)).Append(',')
                            .Append(cell.V[sample].ToString("0.###", CultureInfo.InvariantCulture));
                        writer.WriteLine(line);
                    }
                }
            });

        public void Print(CommandContext context)
        {
            context.Out.WriteLine($"generalisation beside the simulated cell {Cell} ({(Burster ? "a burster" : "not a burster")} at 0 nA): " +
                $"{Generalisation.ProbeSeconds:0} s per probe after {Generalisation.SettleSeconds:0} s at 0 nA; bar: " +
                (Burster ? "where the cell bursts, period within 10 % and spikes per burst within ±1.5; otherwise " : "") + "spike count within 10 %");
            Tables.Print(context, CompiledVsFloat is null ? ["probe", "model vs cell", "Γ (±4 ms)", NeuronScore.OutsideTrainedRangeHeading, "within"]
                    : ["probe", "model vs cell", "Γ (±4 ms)", NeuronScore.OutsideTrainedRangeHeading, "within", $"{CompiledPath} vs float"],
                Probes.Select((v, i) => (IReadOnlyList<string>)(CompiledVsFloat is null
                    ? [v.Probe, v.Figures, $"{v.Score.Gamma:0.000}", v.Score.OutsideTrainedRangeFigures, v.Within ? "yes" : "no"]
                    : [v.Probe, v.Figures, $"{v.Score.Gamma:0.000}", v.Score.OutsideTrainedRangeFigures, v.Within ? "yes" : "no", $"{CompiledVsFloat[i].Figures} ({(CompiledVsFloat[i].Kept ? "kept" : "drifts")})"])));
            Tables.Print(context, ["constant current", "model", "cell", "same class"],
                ConstantCurrent.Select(r => (IReadOnlyList<string>)[$"{r.CurrentNa:+0.00;-0.00;+0.00} nA", r.Model.ToString(), r.Cell.ToString(), r.Same ? "yes" : "no"]));
            context.Out.WriteLine($"probes within the bar: {Probes.Count(v => v.Within)} of {Probes.Length}; constant-current class right at {ConstantCurrent.Count(r => r.Same)} of {ConstantCurrent.Length} levels" +
                (CompiledVsFloat is null ? "" : $"; compiled model within 3 % period and ±0.5 spikes per burst (or 3 % of the spikes) of float on {CompiledVsFloat.Count(k => k.Kept)} of {CompiledVsFloat.Length} probes"));
        }

        public object ForJson() => new
        {
            Cell, Burster,
            Probes = Probes.Select((v, i) => new
            {
                v.Probe, v.Within, v.Figures, v.Score.ModelSpikes, v.Score.DataSpikes, Gamma4Ms = v.Score.Gamma,
                v.Score.ModelOutsideTrainedRange, v.Score.DataOutsideTrainedRange,
                ModelPeriodMs = v.Score.ModelBursts.PeriodMs, DataPeriodMs = v.Score.DataBursts.PeriodMs,
                ModelSpikesPerBurst = v.Score.ModelBursts.SpikesPerBurst, DataSpikesPerBurst = v.Score.DataBursts.SpikesPerBurst,
                CompiledKept = CompiledVsFloat?[i].Kept, CompiledVsFloat = CompiledVsFloat?[i].Figures,
            }),
            ConstantCurrent = ConstantCurrent.Select(r => new { r.CurrentNa, Model = r.Model.ToString(), Cell = r.Cell.ToString(), r.Same }),
        };
    }
}
