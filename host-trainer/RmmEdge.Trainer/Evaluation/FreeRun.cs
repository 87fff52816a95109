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

        var sim = new Simulator(network);
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

    public override string ToString() =>
        $"{Neuron}: burst period {ModelBursts.PeriodMs:0.0} ms vs {DataBursts.PeriodMs:0.0} ms ({PeriodError:+0.0%;-0.0%}), " +
        $"spikes/burst {ModelBursts.SpikesPerBurst:0.00} vs {DataBursts.SpikesPerBurst:0.00} ({SpikesPerBurstError:+0.00;-0.00}), " +
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
        SpikeMetricSettings? metric = null)
    {
        metric ??= SpikeMetricSettings.Lp;
        var scores = new List<NeuronScore>();
        foreach (NeuronModel m in network.Models)
        {
            ReadOnlySpan<float> dataV = data.Neurons[m.Index].V.AsSpan(run.Start);
            float[] modelV = run.Voltages[m.Index];
            double duration = modelV.Length * data.DtMs;
            double[] ds = Spikes.Detect(dataV, data.DtMs);
            double[] ms = Spikes.Detect(modelV, data.DtMs);
            double gap = BurstAnalysis.DefaultGapMs(ds);
            double sq = 0;
            for (int k = 0; k < modelV.Length; k++)
            {
                double e = modelV[k] - dataV[k];
                sq += e * e;
            }

            scores.Add(new NeuronScore(
                data.Neurons[m.Index].Name,
                Math.Sqrt(sq / modelV.Length),
                ds.Length,
                ms.Length,
                Coincidence.Gamma(ds, ms, deltaMs, duration),
                deltaMs,
                BurstAnalysis.Analyse(ds, gap),
                BurstAnalysis.Analyse(ms, gap),
                SpikeSensitiveMetric.AngularSeparation(dataV, modelV, data.DtMs, metric),
                run.Diverged));
        }

        return scores.ToArray();
    }
}
