using System.Diagnostics;
using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench generalisation [--cells a,lp-4,…]`: for each cell of the Prinz catalogue
/// (StgConductances.Catalogue), a model trained on that cell's OU-and-steps recording (60 s, 30 % rest
/// steps, 10 kHz, or --train-seconds; the training protocol of BuiltInData) is free-run on stimulus classes it never saw
/// (ProbeStimuli: chirp, ramp, new step amplitudes, other noise; 20 s each after a 10 s unrecorded
/// settle) beside the simulated cell, and its response to constant current is classified beside the
/// cell's. Spikes by metrics.md's bursting rule (−20 mV, re-armed below −35 mV; burst gap 5 × the
/// cell's median ISI); each probe is also free-run by the model compiled to 16 bits (FixedPointRun, the
/// firmware's arithmetic) and compared with the float free run. The bar (issue 17): for a burster (the cell bursts at 0 nA) wherever the cell
/// bursts on a probe (≥ 2 bursts of ≥ 2 spikes), burst period within 10 % and spikes per burst within
/// ±1.5; otherwise, and for tonic cells (whose "bursts" on a step probe are the steps), the spike count
/// (mean rate) within 10 %; where the cell is silent, the model silent too.
/// </summary>
public static class GeneralisationBench
{
    public const double DefaultTrainSeconds = 60, ProbeSeconds = 20;

    /// <param name="modelDirectory">Where each cell's and seed's model is kept (CELL-seedN.rmm.json): a model found there is
    /// loaded instead of trained, and a trained one is saved there, so a probe analysis can be re-run without training.</param>
    /// <param name="trainSeconds">Length of the training recording (issue 17 §4: how recording length trades against the probes).</param>
    public static void Run(TrainingConfig config, StimulusSpec stimulus, IReadOnlyList<string> cells, int[] seeds, TextWriter output,
        string? modelDirectory = null, double trainSeconds = DefaultTrainSeconds)
    {
        output.WriteLine($"config {System.Text.RegularExpressions.Regex.Replace(config.ToJson(), @"\s+", " ")}");
        var summary = new List<string>();
        foreach (string cellName in cells)
        {
            StgConductances g = StgConductances.Named(cellName);
            Dataset train = BuiltInData.Record(Circuit.SingleStg(g), stimulus, cellName, trainSeconds, seed: 1);
            Dictionary<string, Dataset> probes = Probes(cellName);
            ActivitySummary[][] cellTable = ConstantCurrentResponse.OfCircuit(() => Circuit.SingleStg(g), ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs);
            bool burster = cellTable[Array.IndexOf(ConstantCurrentResponse.StandardCurrentsNa, 0.0)][0].Kind == FiringPattern.Bursting;
            output.WriteLine($"cell {cellName} ({(burster ? "a burster" : "not a burster")} at 0 nA): training on {train.Source}");
            foreach (int seed in seeds)
            {
                Network network = TrainedModel(config with { Seed = seed }, train, modelDirectory, trainSeconds == DefaultTrainSeconds ? $"{cellName}-seed{seed}" : $"{cellName}-{trainSeconds:0}s-seed{seed}", output);
                var marks = new List<string>();
                RmmqModel fixedPoint = FixedPointRun.Load(Quantizer.Compile(network, 16, out _));
                int fixedKept = 0;
                foreach ((string name, Dataset probe) in probes)
                {
                    NeuronScore s = Scoring.Score(network, probe, FreeRun.Run(network, probe, network.WarmupSamples))[0];
                    (bool ok, string figures) = Judge(s, burster);
                    marks.Add($"{name} {(ok ? "ok" : "MISS")}");
                    output.WriteLine($"    {name,-6}: {figures}, Γ(±4 ms) {s.Gamma:0.000}{(s.Diverged ? ", DIVERGED" : "")} => {(ok ? "within" : "outside")}");
                    NeuronScore q = Scoring.Score(network, probe, FixedPointRun.Run(fixedPoint, probe, network.WarmupSamples))[0];
                    (bool kept, string against) = FixedAgainstFloat(q, s, burster);
                    fixedKept += kept ? 1 : 0;
                    output.WriteLine($"            16-bit fixed point against float: {against} => {(kept ? "kept" : "drifts")}");
                }

                marks.Add($"16-bit kept on {fixedKept} of {probes.Count}");

                ActivitySummary[][] modelTable = ConstantCurrentResponse.OfModel(network, ConstantCurrentResponse.StandardCurrentsNa);
                int same = 0;
                for (int c = 0; c < ConstantCurrentResponse.StandardCurrentsNa.Length; c++)
                {
                    bool match = modelTable[c][0].Kind == cellTable[c][0].Kind;
                    same += match ? 1 : 0;
                    output.WriteLine($"    {ConstantCurrentResponse.StandardCurrentsNa[c],5:+0.00;-0.00} nA: model {modelTable[c][0]}, cell {cellTable[c][0]}{(match ? "" : "  <- class differs")}");
                }

                summary.Add($"{cellName,-13} seed {seed}: {string.Join(", ", marks)}; constant-current class right at {same} of {ConstantCurrentResponse.StandardCurrentsNa.Length}");
            }
        }

        output.WriteLine("summary (probe: burst period 10 % and ±1.5 spikes/burst, or rate 10 %, or silent as the cell):");
        summary.ForEach(output.WriteLine);
    }

    /// <summary>The cell's response to every probe stimulus (20 s each, after a 10 s unrecorded settle at 0 nA; stimulus seed 7).</summary>
    public static Dictionary<string, Dataset> Probes(string cellName) => ProbeStimuli.Names.ToDictionary(name => name, name =>
    {
        Circuit cell = Circuit.SingleStg(StgConductances.Named(cellName));
        cell.Advance(10_000, [0]);
        return cell.Record([ProbeStimuli.Generate(name, ProbeSeconds, BuiltInData.DtMs, seed: 7)], BuiltInData.DtMs, $"{cellName}, {name}");
    });

    /// <summary>Whether the simulated cell bursts under 0 nA (the bar then judges bursts).</summary>
    public static bool BurstsAtRest(string cellName) =>
        ConstantCurrentResponse.OfCircuit(() => Circuit.SingleStg(StgConductances.Named(cellName)), [0.0], BuiltInData.DtMs)[0][0].Kind == FiringPattern.Bursting;

    private static Network TrainedModel(TrainingConfig config, Dataset train, string? directory, string name, TextWriter output)
    {
        string? path = directory is null ? null : Path.Combine(directory, name + ".rmm.json");
        if (path is not null && File.Exists(path))
        {
            output.WriteLine($"  seed {config.Seed}: loaded {path} (not trained again)");
            return ModelFile.Load(path);
        }

        var clock = Stopwatch.StartNew();
        PipelineResult result = TrainingPipeline.Run(config, train);
        output.WriteLine($"  seed {config.Seed}: TF epoch {result.TeacherForcing.SelectedEpoch} selected, {clock.Elapsed.TotalSeconds:0} s");
        if (path is not null)
        {
            Directory.CreateDirectory(directory!);
            ModelFile.Save(result.Network, path);
        }

        return result.Network;
    }

    /// <summary>
    /// Issue 17's fixed-point bar on one probe: the 16-bit model's free run within 3 % burst period and
    /// ±0.5 spikes per burst of the float model's (bursters), or within 3 % of its spike count.
    /// </summary>
    public static (bool Kept, string Figures) FixedAgainstFloat(NeuronScore fixedPoint, NeuronScore floating, bool burster)
    {
        BurstStats f = fixedPoint.ModelBursts, x = floating.ModelBursts;
        if (burster && x.Bursts >= 2 && x.SpikesPerBurst >= 2)
        {
            // Rounded (and −0 made +0) first, so that a difference that rounds to nothing prints as +0.0 %.
            double period = Math.Round(f.PeriodMs / x.PeriodMs - 1, 4) + 0.0, spikes = Math.Round(f.SpikesPerBurst - x.SpikesPerBurst, 2) + 0.0;
            return (Math.Abs(period) <= 0.03 && Math.Abs(spikes) <= 0.5,
                $"period {f.PeriodMs:0} vs {x.PeriodMs:0} ms ({period:+0.0%;-0.0%}), spikes/burst {f.SpikesPerBurst:0.00} vs {x.SpikesPerBurst:0.00} ({spikes:+0.00;-0.00})");
        }

        double rate = floating.ModelSpikes == 0 ? (fixedPoint.ModelSpikes == 0 ? 0 : double.PositiveInfinity) : (double)fixedPoint.ModelSpikes / floating.ModelSpikes - 1;
        return (Math.Abs(rate) <= 0.03, $"spikes {fixedPoint.ModelSpikes} vs {floating.ModelSpikes} ({rate:+0.0%;-0.0%})");
    }

    /// <summary>The bar for one probe, with the figures it was judged on.</summary>
    public static (bool Ok, string Figures) Judge(NeuronScore s, bool burster)
    {
        if (s.DataSpikes == 0)
        {
            return (s.ModelSpikes == 0, $"spikes {s.ModelSpikes} vs 0 (cell silent)");
        }

        double rateError = (double)s.ModelSpikes / s.DataSpikes - 1;
        if (burster && s.DataBursts.SpikesPerBurst >= 2 && s.DataBursts.Bursts >= 2)
        {
            bool ok = Math.Abs(s.PeriodError) <= 0.10 && Math.Abs(s.SpikesPerBurstError) <= 1.5;
            return (ok, $"bursts: period {s.ModelBursts.PeriodMs:0} vs {s.DataBursts.PeriodMs:0} ms ({s.PeriodError:+0.0%;-0.0%}), " +
                $"spikes/burst {s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00}), spikes {s.ModelSpikes} vs {s.DataSpikes}");
        }

        return (Math.Abs(rateError) <= 0.10, $"spiking: {s.ModelSpikes} vs {s.DataSpikes} spikes ({rateError:+0.0%;-0.0%})");
    }
}
