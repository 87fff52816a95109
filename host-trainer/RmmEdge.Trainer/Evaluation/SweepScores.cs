using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Evaluation;

/// <summary>
/// One sweep of a protocol, model against cell (metrics.md, "Step protocols"): spike counts, first-spike
/// latencies (ms after the transient; NaN without spikes), the subthreshold RMSE (samples more than
/// <see cref="SweepScores.SpikeMarginMs"/> from any spike of either), Γ at ±2 and ±4 ms (NaN: undefined),
/// and the largest injected current of the sweep (the x of an FI curve).
/// </summary>
public sealed record SweepScore(int Sweep, double PeakCurrentNa, int DataSpikes, int ModelSpikes, double DataLatencyMs, double ModelLatencyMs,
    double SubthresholdRmseMv, double Gamma2, double Gamma4)
{
    /// <summary>Within ±20 % of the cell's count, or within 2 spikes (the issue-22 bar).</summary>
    public bool CountWithin20Percent => Math.Abs(ModelSpikes - DataSpikes) <= Math.Max(2, 0.2 * DataSpikes);

    /// <summary>The columns of the per-sweep table that eval prints and the report draws (model vs cell).</summary>
    public static IReadOnlyList<string> Headers { get; } = ["sweep", "peak I (nA)", "spikes", "first spike (ms)", "subthreshold RMSE (mV)", "Γ (±2 ms)", "Γ (±4 ms)"];

    /// <summary>This sweep's row under <see cref="Headers"/>: "-" for no spike, "undefined" for a Γ that is not.</summary>
    public IReadOnlyList<string> Cells() =>
    [
        $"{Sweep}", Number(PeakCurrentNa, "0.###"), $"{ModelSpikes} vs {DataSpikes}",
        $"{Number(ModelLatencyMs, "0.0", "-")} vs {Number(DataLatencyMs, "0.0", "-")}", Number(SubthresholdRmseMv, "0.00"),
        Number(Gamma2, "0.000", "undefined"), Number(Gamma4, "0.000", "undefined"),
    ];

    private static string Number(double x, string format, string nan = "NaN") =>
        double.IsNaN(x) ? nan : x.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}

public static class SweepScores
{
    /// <summary>Samples this close to a spike (ms) are not subthreshold.</summary>
    public const double SpikeMarginMs = 10;

    public static SweepScore[] PerSweep(NeuronModel model, SegmentRuns runs, SpikeRule rule)
    {
        var result = new List<SweepScore>();
        for (int r = 0; r < runs.Runs.Count; r++)
        {
            (Dataset data, FreeRunResult run) = runs.Runs[r];
            float[] dataV = data.Neurons[model.Index].V[run.Start..];
            float[] modelV = run.Voltages[model.Index];
            double dt = data.DtMs, duration = modelV.Length * dt;
            double[] ds = rule.Detect(dataV, dt), ms = rule.Detect(modelV, dt);
            int margin = (int)Math.Round(SpikeMarginMs / dt);
            bool[] nearSpike = new bool[modelV.Length];
            foreach (double t in ds.Concat(ms))
            {
                int k = (int)(t / dt);
                for (int j = Math.Max(0, k - margin); j <= Math.Min(modelV.Length - 1, k + margin); j++) { nearSpike[j] = true; }
            }

            double sq = 0;
            int count = 0;
            for (int k = 0; k < modelV.Length; k++)
            {
                if (!nearSpike[k])
                {
                    double e = modelV[k] - dataV[k];
                    sq += e * e;
                    count++;
                }
            }

            float[] current = data.Neurons[model.Index].I;
            result.Add(new SweepScore(runs.Indices.Length > r ? runs.Indices[r] : r, current.Length == 0 ? 0 : current.MaxBy(Math.Abs),
                ds.Length, ms.Length, ds.Length > 0 ? ds[0] : double.NaN, ms.Length > 0 ? ms[0] : double.NaN,
                count > 0 ? Math.Sqrt(sq / count) : double.NaN,
                Coincidence.Gamma(ds, ms, 2, duration), Coincidence.Gamma(ds, ms, 4, duration)));
        }

        return result.ToArray();
    }
}

/// <summary>
/// A model against the repetitions of one stimulus (QSNMC; metrics.md): the model is free-run on each
/// repetition's own recorded current, and Γ is the mean over every (cell repetition, model run) pair;
/// the cell's intrinsic reliability R is the mean Γ between its own repetitions; Γ/R at ±2 and ±4 ms.
/// Γ/R is printed only where R is at least <see cref="MinimumReliability"/>.
/// </summary>
public sealed record Repeatability(string Neuron, int Repetitions, double DataSpikes, double ModelSpikes,
    double Gamma2, double Gamma4, double Reliability2, double Reliability4)
{
    /// <summary>Below this reliability Γ/R means nothing (the stimulus does not fix the spikes).</summary>
    public const double MinimumReliability = 0.3;

    public static Repeatability Of(NeuronModel model, SegmentRuns runs, SpikeRule rule, int files)
    {
        if (runs.Runs.Count != files || files < 2)
        {
            throw new UserError($"--repetitions needs two or more files of one sweep each; got {files} file(s) and {runs.Runs.Count} scored sweep(s)");
        }

        var data = new List<double[]>();
        var free = new List<double[]>();
        double duration = double.MaxValue;
        foreach ((Dataset d, FreeRunResult run) in runs.Runs)
        {
            data.Add(rule.Detect(d.Neurons[model.Index].V.AsSpan(run.Start), d.DtMs));
            free.Add(rule.Detect(run.Voltages[model.Index], d.DtMs));
            duration = Math.Min(duration, run.Voltages[model.Index].Length * d.DtMs);
        }

        double Mean(double delta) => data.SelectMany(d => free.Select(m => Coincidence.Gamma(d, m, delta, duration))).Average();
        return new Repeatability(runs.Runs[0].Data.Neurons[model.Index].Name, files, data.Average(d => d.Length), free.Average(m => m.Length),
            Mean(2), Mean(4), Coincidence.IntrinsicReliability(data, 2, duration), Coincidence.IntrinsicReliability(data, 4, duration));
    }

    public override string ToString()
    {
        static string Ratio(double g, double r) => double.IsNaN(g) || double.IsNaN(r) ? "undefined" :
            r < MinimumReliability ? $"not meaningful (R {r:0.00} < {MinimumReliability})" : $"{g / r:0.000}";
        return $"{Neuron}, {Repetitions} repetitions: spikes per repetition {ModelSpikes:0.0} (model) vs {DataSpikes:0.0} (cell, ratio {ModelSpikes / DataSpikes:0.00}); " +
            $"±2 ms: Γ {Gamma2:0.000}, R {Reliability2:0.000}, Γ/R {Ratio(Gamma2, Reliability2)}; " +
            $"±4 ms: Γ {Gamma4:0.000}, R {Reliability4:0.000}, Γ/R {Ratio(Gamma4, Reliability4)}";
    }
}
