using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Trainer.Interpretation;

/// <summary>A model's free run (<paramref name="Run"/>) on one probe stimulus beside the simulated cell's, and the verdict of <see cref="Generalisation.Judge"/>.</summary>
public sealed record ProbeVerdict(string Probe, NeuronScore Score, bool Within, string Figures, FreeRunResult Run);

/// <summary>The constant-current class of the model and of the cell at one level.</summary>
public sealed record ConstantCurrentVerdict(double CurrentNa, ActivitySummary Model, ActivitySummary Cell)
{
    public bool Same => Model.Kind == Cell.Kind;
}

/// <summary>
/// Generalisation as the verdict (issue 17 §2): a model of a catalogue cell (StgConductances) free-run on
/// stimulus classes it never saw (ProbeStimuli: chirp, ramp, new step amplitudes, other noise; 20 s each
/// after a 10 s unrecorded settle at 0 nA, stimulus seed 7) beside the simulated cell, and its
/// constant-current class beside the cell's at <see cref="ConstantCurrentResponse.StandardCurrentsNa"/>.
/// The bar: for a burster (the cell bursts at 0 nA), wherever the cell bursts on a probe (≥ 2 bursts of
/// ≥ 2 spikes), burst period within 10 % and spikes per burst within ±1.5; otherwise, and for tonic cells
/// (whose "bursts" on a step probe are the steps), the spike count within 10 %; where the cell is silent,
/// the model silent too. Spikes by metrics.md's rule (−20 mV, re-armed below −35 mV).
/// </summary>
public static class Generalisation
{
    /// <remarks>
    /// The settle is 100 s of simulated time. Until 2026-12-05 the constant said 10 s and the code passed
    /// 10 s / dt as a duration in ms, so every published probe figure is from a 100 s settle; the constant now
    /// says what ran. The cells' probe figures do not depend on it (RmmEdge.Bench cell-spread).
    /// </remarks>
    public const double ProbeSeconds = 20, SettleSeconds = 100;

    /// <summary>The stimulus seed of the judged probes.</summary>
    public const int ProbeSeed = 7;

    /// <summary>The simulated cell's response to every probe stimulus.</summary>
    public static Dictionary<string, Dataset> Probes(string cellName) => ProbeStimuli.Names.ToDictionary(name => name, name => Probe(cellName, name, ProbeSeed));

    /// <summary>The simulated cell's response to one probe stimulus drawn with <paramref name="seed"/>, after its settle at 0 nA.</summary>
    public static Dataset Probe(string cellName, string name, int seed) => Probe(cellName, name, seed, SettleSeconds);

    /// <summary>The same, after a settle of <paramref name="settleSeconds"/> (another starting phase of the cell's own rhythm).</summary>
    public static Dataset Probe(string cellName, string name, int seed, double settleSeconds) =>
        Probe(StgConductances.Named(cellName), cellName, name, seed, settleSeconds);

    /// <summary>The same for a cell given by its conductances (<paramref name="label"/> names it in the record's source).</summary>
    public static Dataset Probe(StgConductances conductances, string label, string name, int seed, double settleSeconds)
    {
        Circuit cell = Circuit.SingleStg(conductances);
        cell.Advance(settleSeconds * 1000, [0]);
        return cell.Record([ProbeStimuli.Generate(name, ProbeSeconds, BuiltInData.DtMs, seed)], BuiltInData.DtMs, $"{label}, {name}");
    }

    /// <summary>
    /// The cell against itself: its spikes on the judged probe (<paramref name="judgedProbe"/>, as <see cref="Probes"/>
    /// gives it) as the data, and its spikes on <paramref name="other"/> (the same stimulus from another starting phase,
    /// or with its conductances perturbed) as the model, both after <paramref name="fromMs"/> (where a model's free run
    /// starts), bursts split at the judged run's gap. Judged by the probe bar (<see cref="Judge"/>) or the fixed-point
    /// bar (<see cref="FixedAgainstFloat"/>): where the cell misses a bar against itself, no model can be asked to meet it.
    /// </summary>
    public static NeuronScore CellAgainstItself(Dataset judgedProbe, Dataset other, string cellName, double fromMs)
    {
        double[] SpikesOf(Dataset probe) => Spikes.Detect(probe.Neurons[0].V.AsSpan((int)Math.Round(fromMs / probe.DtMs)), probe.DtMs);
        double[] judged = SpikesOf(judgedProbe), moved = SpikesOf(other);
        double gap = BurstAnalysis.DefaultGapMs(judged);
        return new NeuronScore(cellName, double.NaN, judged.Length, moved.Length, double.NaN, double.NaN,
            BurstAnalysis.Analyse(judged, gap), BurstAnalysis.Analyse(moved, gap), double.NaN, false);
    }

    /// <summary>The simulated cell's class at every standard constant current.</summary>
    public static ActivitySummary[] CellTable(string cellName) =>
        ConstantCurrentResponse.OfCircuit(() => Circuit.SingleStg(StgConductances.Named(cellName)), ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs)
            .Select(row => row[0]).ToArray();

    /// <summary>Whether the cell bursts at 0 nA (the probe bar then judges bursts).</summary>
    public static bool IsBurster(ActivitySummary[] cellTable) =>
        cellTable[Array.IndexOf(ConstantCurrentResponse.StandardCurrentsNa, 0.0)].Kind == FiringPattern.Bursting;

    /// <summary>A model's verdict on every probe (a single-neuron model of the cell).</summary>
    public static ProbeVerdict[] OnProbes(Network network, IReadOnlyDictionary<string, Dataset> probes, bool burster) =>
        probes.Select(p =>
        {
            FreeRunResult run = FreeRun.Run(network, p.Value, Warmup(network, p.Value));
            NeuronScore s = Scoring.Score(network, p.Value, run)[0];
            (bool ok, string figures) = Judge(s, burster);
            return new ProbeVerdict(p.Key, s, ok, figures, run);
        }).ToArray();

    /// <summary>The compiled model's free run on every probe against the float model's (<see cref="FixedAgainstFloat"/>), in the order of <paramref name="floating"/>.</summary>
    public static (bool Kept, string Figures)[] CompiledOnProbes(Network network, RmmqModel compiled, IReadOnlyDictionary<string, Dataset> probes,
        IReadOnlyList<ProbeVerdict> floating, bool burster) =>
        floating.Select(v =>
        {
            Dataset probe = probes[v.Probe];
            NeuronScore q = Scoring.Score(network, probe, FixedPointRun.Run(compiled, probe, Warmup(network, probe)))[0];
            return FixedAgainstFloat(q, v.Score, burster);
        }).ToArray();

    /// <summary>The model's constant-current class beside the cell's, level by level.</summary>
    public static ConstantCurrentVerdict[] OnConstantCurrent(Network network, ActivitySummary[] cellTable)
    {
        ActivitySummary[][] model = ConstantCurrentResponse.OfModel(network, ConstantCurrentResponse.StandardCurrentsNa);
        return cellTable.Select((cell, c) => new ConstantCurrentVerdict(ConstantCurrentResponse.StandardCurrentsNa[c], model[c][0], cell)).ToArray();
    }

    /// <summary>The teacher-forced warm-up of a probe run: the model's banks' own, at most half the probe.</summary>
    public static int Warmup(Network network, Dataset probe) => Math.Min(network.WarmupSamples, probe.Length / 2);

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
            return (ok, $"bursts: period {s.ModelBursts.PeriodMs:0} vs {s.DataBursts.PeriodMs:0} ms ({s.PeriodError:+0.0%;-0.0%;+0.0%}), " +
                $"spikes/burst {s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00;+0.00}), spikes {s.ModelSpikes} vs {s.DataSpikes}");
        }

        return (Math.Abs(rateError) <= 0.10, $"spiking: {s.ModelSpikes} vs {s.DataSpikes} spikes ({rateError:+0.0%;-0.0%;+0.0%})");
    }

    /// <summary>
    /// Issue 17's fixed-point bar on one probe: a compiled model's free run within 3 % burst period and
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
                $"period {f.PeriodMs:0} vs {x.PeriodMs:0} ms ({period:+0.0%;-0.0%;+0.0%}), spikes/burst {f.SpikesPerBurst:0.00} vs {x.SpikesPerBurst:0.00} ({spikes:+0.00;-0.00;+0.00})");
        }

        double rate = floating.ModelSpikes == 0 ? (fixedPoint.ModelSpikes == 0 ? 0 : double.PositiveInfinity) : (double)fixedPoint.ModelSpikes / floating.ModelSpikes - 1;
        return (Math.Abs(rate) <= 0.03, $"spikes {fixedPoint.ModelSpikes} vs {floating.ModelSpikes} ({rate:+0.0%;-0.0%;+0.0%})");
    }

    /// <summary>The fixed-point bar with a score's data run in the float model's place (the cell against itself).</summary>
    public static (bool Kept, string Figures) FixedBarAgainstData(NeuronScore s, bool burster) =>
        FixedAgainstFloat(s, s with { ModelBursts = s.DataBursts, ModelSpikes = s.DataSpikes }, burster);
}
