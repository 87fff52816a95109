using System.Runtime.ExceptionServices;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Evaluation;

/// <summary>The model's voltages in a free run, aligned with the data from sample <see cref="Start"/> on.</summary>
/// <param name="Start">First free-run sample (the samples before it were the teacher-forced warm-up).</param>
/// <param name="Voltages">Per neuron, the model voltage (mV) for samples Start..end (external neurons: the data).</param>
/// <param name="Currents">Per current of the network, ψ (nA) for the same samples.</param>
/// <param name="Diverged">Whether a modelled voltage left [−200, 150] mV.</param>
public sealed record FreeRunResult(int Start, float[][] Voltages, float[][] Currents, bool Diverged);

/// <summary>
/// Free-run (closed-loop) simulation on a record the model may not have seen. The first
/// <c>warmup</c> samples are teacher forced (the banks see the measured voltage, so they forget their
/// arbitrary start); after that every modelled neuron feeds back its own voltage and only the injected
/// currents (and external neurons' voltages) come from the data.
/// </summary>
public static class FreeRun
{
    /// <param name="removed">
    /// Indices (network current order) of currents removed in silico after the warm-up: they no longer
    /// act on the voltage (their would-be ψ is still reported).
    /// </param>
    public static FreeRunResult Run(Network network, Dataset data, int warmup, float gamma = 0f, IReadOnlyCollection<int>? removed = null)
    {
        network.CheckFits(data);

        if (warmup < 0 || warmup >= data.Length - 1)
        {
            throw new UserError($"{data.Source}: {data.DurationMs / 1000:0.###} s of data is too short for the model's " +
                $"{warmup * data.DtMs / 1000:0.###} s filter warm-up");
        }

        var sim = new NetworkRunner(network);
        if (removed is not null && removed.FirstOrDefault(c => c < 0 || c >= sim.Currents.Length, -1) is var bad and >= 0)
        {
            throw new UserError($"current {bad} does not exist; the model has currents 0..{sim.Currents.Length - 1} " +
                $"({string.Join(", ", sim.Currents.Select(c => c.QualifiedName))})");
        }

        int n = network.NeuronCount;
        float[] current = new float[n], measured = new float[n];
        for (int i = 0; i < n; i++) { measured[i] = data.Neurons[i].V[0]; }

        sim.Reset(measured);
        int length = data.Length - warmup;
        float[][] v = Enumerable.Range(0, n).Select(_ => new float[length]).ToArray();
        float[][] psi = sim.Currents.Select(_ => new float[length]).ToArray();
        for (int k = 0; k < data.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                current[i] = data.Neurons[i].I[k];
                measured[i] = data.Neurons[i].V[k];
            }

            if (k >= warmup)
            {
                // A measured neuron's voltage at k is the data's (the simulator takes it in during the step).
                for (int i = 0; i < n; i++) { v[i][k - warmup] = network.Spec.Neurons[i].External ? measured[i] : sim.Voltages[i]; }
            }

            if (k == warmup && removed is not null)
            {
                foreach (int c in removed) { sim.Removed[c] = true; }
            }

            sim.Step(current, measured, k < warmup ? 1f : gamma);
            if (k >= warmup)
            {
                for (int c = 0; c < psi.Length; c++) { psi[c][k - warmup] = sim.CurrentValues[c]; }
            }
        }

        return new FreeRunResult(warmup, v, psi, sim.Diverged);
    }

    /// <summary>
    /// A free run of every segment of <paramref name="data"/> on its own, each after its own
    /// <paramref name="transient"/> (teacher forced): no run crosses from one sweep into the next.
    /// Segments too short for the transient and two scored samples are left out.
    /// </summary>
    public static SegmentRuns RunSegments(Network network, Dataset data, Transient transient, float gamma = 0f) =>
        RunSegments(network, data.SplitSegments(), transient, gamma);

    /// <summary>The same for a record already split into its segments (<see cref="Dataset.SplitSegments"/>), for callers that run it often.</summary>
    public static SegmentRuns RunSegments(Network network, IReadOnlyList<Dataset> segments, Transient transient, float gamma = 0f)
    {
        // Segments are independent free runs of the same (unchanging) network, each with its own
        // simulator: they run side by side on the cores and are kept in segment order.
        int[] kept = ScoredSegments(segments, transient);
        var results = new FreeRunResult[kept.Length];
        try
        {
            Parallel.For(0, kept.Length, j => results[j] = Run(network, segments[kept[j]], transient.Samples, gamma));
        }
        catch (AggregateException e)
        {
            // A refusal (UserError) reaches the user as it was thrown, not wrapped.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var runs = new List<(Dataset, FreeRunResult)>();
        var indices = new List<int>();
        for (int j = 0; j < kept.Length; j++)
        {
            int s = kept[j];
            runs.Add((segments[s], results[j]));
            int sweep = segments[s].Segments.Count == 1 ? segments[s].Segments[0].Sweep : -1;
            indices.Add(sweep >= 0 ? sweep : s);
        }

        return new SegmentRuns(runs, transient) { Indices = indices.ToArray() };
    }

    /// <summary>The segments long enough for the transient and two scored samples; refuses a record with none.</summary>
    public static int[] ScoredSegments(IReadOnlyList<Dataset> segments, Transient transient)
    {
        int[] kept = Enumerable.Range(0, segments.Count).Where(s => segments[s].Length >= transient.Samples + 2).ToArray();
        return kept.Length > 0 ? kept : throw new UserError($"{segments[0].Source}: no segment is longer than the warm-up ({transient})");
    }
}

/// <summary>The free runs of the segments of a record, each with the segment's data.</summary>
public sealed record SegmentRuns(IReadOnlyList<(Dataset Data, FreeRunResult Run)> Runs, Transient Transient)
{
    public bool Diverged => Runs.Any(r => r.Run.Diverged);

    /// <summary>Each run's sweep number in its file, or its segment's index in the record where it is not a sweep (segments too short for the transient have no run).</summary>
    public int[] Indices { get; init; } = [];
}

/// <summary>How a free run compares with the data, for one modelled neuron.</summary>
public sealed record NeuronScore(
    string Neuron,
    double RmseMv,
    int DataSpikes,
    int ModelSpikes,
    double Gamma,
    double DeltaMs,
    BurstStats DataBursts,
    BurstStats ModelBursts,
    double AngularSeparation,
    bool Diverged)
{
    public double PeriodError => ModelBursts.PeriodMs / DataBursts.PeriodMs - 1;

    public double SpikesPerBurstError => ModelBursts.SpikesPerBurst - DataBursts.SpikesPerBurst;

    /// <summary>Γ at ±2 ms (QSNMC 2007), beside <see cref="Gamma"/> at <see cref="DeltaMs"/>; NaN where undefined.</summary>
    public double Gamma2Ms { get; init; } = double.NaN;

    /// <summary>
    /// The fraction of the scored samples where the model's voltage lies outside the voltages it was trained on
    /// (<see cref="NeuronModel.TrainedVoltageRange"/>), where its currents are extrapolated; NaN without that range.
    /// </summary>
    public double ModelOutsideTrainedRange { get; init; } = double.NaN;

    /// <summary>The same fraction for the data's voltage: the stimulus took the cell where the model was never trained.</summary>
    public double DataOutsideTrainedRange { get; init; } = double.NaN;

    /// <summary>The column heading of <see cref="OutsideTrainedRangeFigures"/> in tables and reports.</summary>
    public const string OutsideTrainedRangeHeading = "outside trained V (model / cell)";

    /// <summary><see cref="ModelOutsideTrainedRange"/> / <see cref="DataOutsideTrainedRange"/> in percent; a dash without a trained range.</summary>
    public string OutsideTrainedRangeFigures => double.IsNaN(ModelOutsideTrainedRange) ? "—"
        : $"{ModelOutsideTrainedRange * 100:0.0} % / {DataOutsideTrainedRange * 100:0.0} %";

    public override string ToString() =>
        $"{Neuron}: burst period {ModelBursts.PeriodMs:0.0} ms vs {DataBursts.PeriodMs:0.0} ms ({PeriodError:+0.0%;-0.0%;+0.0%}), " +
        $"spikes/burst {ModelBursts.SpikesPerBurst:0.00} vs {DataBursts.SpikesPerBurst:0.00} ({SpikesPerBurstError:+0.00;-0.00;+0.00}), " +
        $"Γ(±{DeltaMs:0} ms) {Gamma:0.000}, RMSE {RmseMv:0.00} mV, angular separation {AngularSeparation:0.000}, " +
        $"spikes {ModelSpikes} vs {DataSpikes} (burst gap {DataBursts.GapMs:0.0} ms){(Diverged ? ", DIVERGED" : "")}";
}

public static class Scoring
{
    /// <summary>
    /// Phase of <paramref name="follower"/>'s burst onsets in <paramref name="leader"/>'s cycle, in the
    /// free run and in the data (0.5 = anti-phase, the half-centre's signature), as circular mean and
    /// resultant length; NaN without bursts.
    /// </summary>
    public static (CircularPhase Model, CircularPhase Data) Phase(NeuronScore leader, NeuronScore follower) =>
        (BurstAnalysis.Phase(leader.ModelBursts.Onsets, follower.ModelBursts.Onsets),
         BurstAnalysis.Phase(leader.DataBursts.Onsets, follower.DataBursts.Onsets));

    /// <summary>Scores every modelled neuron of a free run against the data (metrics.md rules).</summary>
    public static NeuronScore[] Score(Network network, Dataset data, FreeRunResult run, double deltaMs = 4,
        SpikeMetricSettings? metric = null) => Score(network, [(data, run)], deltaMs, metric);

    /// <summary>
    /// Scores the free runs of several segments together: spike trains laid end to end (each segment's
    /// scored part after the previous one's), RMSE over every scored sample, the angular separation
    /// weighted by segment length, burst statistics with the data's gap over all segments.
    /// </summary>
    /// <param name="dataFeatures">Where the data side of the angular separation is kept between calls (selection scores many models on the same data).</param>
    public static NeuronScore[] Score(Network network, IReadOnlyList<(Dataset Data, FreeRunResult Run)> runs, double deltaMs = 4,
        SpikeMetricSettings? metric = null, SpikeRule? rule = null, DataFeatures? dataFeatures = null)
    {
        metric ??= SpikeMetricSettings.Lp;
        rule ??= SpikeRule.Bursting;
        var scores = new List<NeuronScore>();
        foreach (NeuronModel m in network.Models)
        {
            var ds = new List<double>();
            var ms = new List<double>();
            double offset = 0, sq = 0, angular = 0;
            long samples = 0, modelOutside = 0, dataOutside = 0;
            (float LowMv, float HighMv)? trained = m.TrainedVoltageRange;
            foreach ((Dataset data, FreeRunResult run) in runs)
            {
                ReadOnlySpan<float> dataV = data.Neurons[m.Index].V.AsSpan(run.Start);
                float[] modelV = run.Voltages[m.Index];
                ds.AddRange(rule.Detect(dataV, data.DtMs).Select(t => t + offset));
                ms.AddRange(rule.Detect(modelV, data.DtMs).Select(t => t + offset));
                for (int k = 0; k < modelV.Length; k++)
                {
                    double e = modelV[k] - dataV[k];
                    sq += e * e;
                }

                if (trained is (float low, float high))
                {
                    modelOutside += CountOutside(modelV, low, high);
                    dataOutside += CountOutside(dataV[..modelV.Length], low, high);
                }

                double[] dataFeature = dataFeatures?.Of(data.Neurons[m.Index].V, run.Start, data.DtMs, metric)
                    ?? SpikeSensitiveMetric.Feature(dataV, data.DtMs, metric);
                angular += SpikeSensitiveMetric.AngularSeparation(dataFeature, modelV, data.DtMs, metric) * modelV.Length;
                samples += modelV.Length;
                offset += modelV.Length * data.DtMs;
            }

            double gap = BurstAnalysis.DefaultGapMs(ds);
            scores.Add(new NeuronScore(
                runs[0].Data.Neurons[m.Index].Name,
                Math.Sqrt(sq / samples),
                ds.Count,
                ms.Count,
                Coincidence.Gamma(ds, ms, deltaMs, offset),
                deltaMs,
                BurstAnalysis.Analyse(ds, gap),
                BurstAnalysis.Analyse(ms, gap),
                angular / samples,
                runs.Any(r => r.Run.Diverged))
            {
                Gamma2Ms = Coincidence.Gamma(ds, ms, 2, offset),
                ModelOutsideTrainedRange = trained is null ? double.NaN : (double)modelOutside / samples,
                DataOutsideTrainedRange = trained is null ? double.NaN : (double)dataOutside / samples,
            });
        }

        return scores.ToArray();
    }

    private static int CountOutside(ReadOnlySpan<float> v, float low, float high)
    {
        int outside = 0;
        foreach (float x in v)
        {
            if (x < low || x > high) { outside++; }
        }

        return outside;
    }
}
