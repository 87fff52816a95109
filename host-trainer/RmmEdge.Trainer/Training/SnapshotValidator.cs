using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Scores training snapshots by free run on the end of the record (after a warm-up of the banks on
/// data), with the selection rule of <see cref="SelectionScore"/>. Shared by
/// every training stage, so that teacher forcing and multiple shooting select by the same measure.
/// </summary>
public sealed class SnapshotValidator
{
    private readonly Network _network;
    private readonly Dataset _window;
    private readonly int _warmup;
    private readonly SpikeMetricSettings _metric;
    private readonly SelectionRule _rule;

    /// <param name="fraction">Fraction of <paramref name="data"/>, at its end, that is free-run and scored.</param>
    public SnapshotValidator(Network network, Dataset data, double fraction, SpikeMetricSettings metric, SelectionRule rule)
    {
        _network = network;
        _metric = metric;
        _rule = rule;
        int start = (int)Math.Round(data.Length * (1 - fraction));
        _warmup = Math.Min(network.WarmupSamples, start);
        _window = data.Slice(start - _warmup, data.Length - start + _warmup);
    }

    /// <summary>Mean selection score over the modelled neurons; 0 if the free run diverged.</summary>
    public double Validate()
    {
        FreeRunResult run = FreeRun.Run(_network, _window, _warmup);
        if (run.Diverged)
        {
            return 0;
        }

        NeuronScore[] scores = Scoring.Score(_network, _window, run, metric: _metric);
        return scores.Average(s => SelectionScore(s, _rule));
    }

    /// <summary>Burst statistics of fewer kept bursts than this are too noisy to select by.</summary>
    public const int MinimumBurstsForSelection = 5;

    public static double SelectionScore(NeuronScore s, SelectionRule rule)
    {
        if (rule == SelectionRule.AngularSeparation || s.DataBursts.Bursts < MinimumBurstsForSelection)
        {
            return s.AngularSeparation;
        }

        double period = double.IsNaN(s.PeriodError) ? 1 : Math.Min(1, Math.Abs(s.PeriodError));
        double spikes = double.IsNaN(s.SpikesPerBurstError) ? 1 : Math.Min(1, Math.Abs(s.SpikesPerBurstError) / s.DataBursts.SpikesPerBurst);
        return s.AngularSeparation - period - spikes;
    }
}
