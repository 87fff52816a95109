using System.Diagnostics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Scores training snapshots by free run on the selection part of a record (<see cref="DataSplit"/>),
/// with the selection rule of <see cref="SelectionScore"/>, less the distance from a
/// <see cref="ConstantCurrentCheck"/> when one is given. Shared by every training stage, so that
/// teacher forcing and multiple shooting select by the same measure.
/// </summary>
public sealed class SnapshotValidator
{
    private readonly Network _network;
    private readonly Dataset[] _segments;
    private readonly Transient _transient;
    private readonly SpikeMetricSettings _metric;
    private readonly SelectionRule _rule;
    private readonly int _perturbations;
    private readonly double _perturbationSize;
    private readonly ConstantCurrentCheck? _check;
    private readonly bool _segmentsApart;

    /// <param name="selection">What is free-run and scored (every segment on its own, after <paramref name="transient"/>).</param>
    /// <param name="perturbations">Copies of the snapshot with parameters multiplied by 1 + <paramref name="perturbationSize"/>·N(0, 1)
    /// (seeds 1, 2, …), also scored: the snapshot gets the worst of its scores (0: the snapshot alone).</param>
    /// <param name="perturbationSize">Relative size of that noise (default 2⁻¹⁵, a 16-bit weight's rounding).</param>
    /// <param name="segmentsApart">Score each segment on its own and average (<see cref="DataSplit.SegmentsApart"/>), rather than all together.</param>
    public SnapshotValidator(Network network, Dataset selection, Transient transient, SpikeMetricSettings metric, SelectionRule rule,
        int perturbations = 0, double perturbationSize = Network.WeightRounding, ConstantCurrentCheck? check = null, bool segmentsApart = false)
    {
        _check = check;
        _segmentsApart = segmentsApart;
        _network = network;
        _segments = selection.SplitSegments();   // once: every validation runs them
        _transient = transient;
        _metric = metric;
        _rule = rule;
        _perturbations = perturbations;
        BatchSize = perturbations == 0 && SnapshotLanes.Supports(network) ? SnapshotLanes.Lanes : 1;
        _perturbationSize = perturbationSize;
    }

    /// <summary>Below any score a free run that stays in range can get (a score is at least −3).</summary>
    public const double DivergedScore = -10;

    /// <summary>
    /// Mean selection score over the modelled neurons, the worst over the snapshot and its perturbed
    /// copies; <see cref="DivergedScore"/> if a free run diverged. The network is left as it was.
    /// </summary>
    public double Validate()
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return ValidateWithPerturbations();
        }
        finally
        {
            Seconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
    }

    /// <summary>Wall time spent in <see cref="Validate"/> and <see cref="ValidateBatch"/> so far: what snapshot selection costs.</summary>
    public double Seconds { get; private set; }

    /// <summary>Snapshots <see cref="ValidateBatch"/> scores in one pass: the lanes of <see cref="SnapshotLanes"/> where the network runs side by side, else one.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// <see cref="Validate"/> of each snapshot (restored into the network, which is left holding one of
    /// them), the same scores: up to <see cref="BatchSize"/> free run side by side, one per vector lane.
    /// </summary>
    public double[] ValidateBatch(IReadOnlyList<float[][]> snapshots)
    {
        if (snapshots.Count == 1 || BatchSize == 1)
        {
            return snapshots.Select(s =>
            {
                _network.Restore(s);
                return Validate();
            }).ToArray();
        }

        long started = Stopwatch.GetTimestamp();
        try
        {
            _lanes ??= new SnapshotLanes(_network);
            _lanes.Load(snapshots);
            Task<double[]>? checking = _check is null ? null : Task.Run(() => _check.Distances(_lanes, _network));
            int[] kept = FreeRun.ScoredSegments(_segments, _transient);
            var runs = new FreeRunResult[kept.Length][];
            Parallel.For(0, kept.Length, j => runs[j] = _lanes.Run(_segments[kept[j]], _transient.Samples));
            double[] distances = checking?.Result ?? new double[snapshots.Count];
            double[] result = new double[snapshots.Count];
            Parallel.For(0, snapshots.Count, lane =>
                result[lane] = Score(kept.Select((segment, j) => (_segments[segment], runs[j][lane])).ToArray(), distances[lane]));
            return result;
        }
        finally
        {
            Seconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
    }

    private SnapshotLanes? _lanes;

    /// <summary>The selection data's side of the metric, computed at the first validation and kept.</summary>
    private readonly DataFeatures _dataFeatures = new();

    private double ValidateWithPerturbations()
    {
        double score = ValidateOnce();
        if (_perturbations == 0 || score == DivergedScore)
        {
            return score;
        }

        float[][] snapshot = _network.Snapshot();
        for (int copy = 1; copy <= _perturbations; copy++)
        {
            _network.Perturb(_perturbationSize, seed: copy);
            score = Math.Min(score, ValidateOnce());
            _network.Restore(snapshot);
        }

        return score;
    }

    private double ValidateOnce()
    {
        // The check's free run from rest and the selection free run are independent single-threaded runs of
        // the same (unchanging) network: side by side they cost one.
        Task<double>? checking = _check is null ? null : Task.Run(() => _check.Distance(_network));
        SegmentRuns runs = FreeRun.RunSegments(_network, _segments, _transient);
        return Score(runs.Runs, checking?.Result ?? 0);
    }

    /// <summary>The mean selection score of one snapshot's free runs less its check's distance; <see cref="DivergedScore"/> if a run diverged.</summary>
    private double Score(IReadOnlyList<(Dataset Data, FreeRunResult Run)> runs, double distance)
    {
        double score = Score(_network, runs, _metric, _rule, _segmentsApart, _dataFeatures);
        return score == DivergedScore ? DivergedScore : score - distance;
    }

    /// <summary>
    /// The selection score of free runs of <paramref name="network"/>: the mean of <see cref="SelectionScore"/> over the
    /// modelled neurons, with the runs scored together (spike trains end to end) or, <paramref name="segmentsApart"/>,
    /// each on its own and the scores averaged over the runs; <see cref="DivergedScore"/> if a run diverged.
    /// </summary>
    public static double Score(Network network, IReadOnlyList<(Dataset Data, FreeRunResult Run)> runs, SpikeMetricSettings metric, SelectionRule rule,
        bool segmentsApart, DataFeatures? dataFeatures = null)
    {
        if (runs.Any(r => r.Run.Diverged))
        {
            return DivergedScore;
        }

        IEnumerable<IReadOnlyList<(Dataset, FreeRunResult)>> groups = segmentsApart ? runs.Select(r => (IReadOnlyList<(Dataset, FreeRunResult)>)[r]) : [runs];
        return groups.Average(group => Scoring.Score(network, group, metric: metric, dataFeatures: dataFeatures).Average(s => SelectionScore(s, rule)));
    }

    /// <summary>Burst statistics of fewer kept bursts than this are too noisy to select by.</summary>
    public const int MinimumBurstsForSelection = 5;

    /// <summary>
    /// The selection score of one neuron (higher is better). With <see cref="SelectionRule.BurstAware"/>
    /// and enough bursts in the data: the angular separation less the relative burst-period and
    /// spikes-per-burst errors (a model that does not burst loses 2). Otherwise the angular separation
    /// less the relative error of the spike count (in [0, 1]: a model silent where the cell fires, or
    /// firing where it is silent, loses 1, so silence never scores well; the angular separation alone
    /// gave 0.71 to a model that never spiked on a cortical cell).
    /// </summary>
    public static double SelectionScore(NeuronScore s, SelectionRule rule)
    {
        if (rule == SelectionRule.AngularSeparation || s.DataBursts.Bursts < MinimumBurstsForSelection)
        {
            return s.AngularSeparation - SpikeCountError(s.DataSpikes, s.ModelSpikes);
        }

        double period = double.IsNaN(s.PeriodError) ? 1 : Math.Min(1, Math.Abs(s.PeriodError));
        double spikes = double.IsNaN(s.SpikesPerBurstError) ? 1 : Math.Min(1, Math.Abs(s.SpikesPerBurstError) / s.DataBursts.SpikesPerBurst);
        return s.AngularSeparation - period - spikes;
    }

    /// <summary>|model − data| / max(model, data): 0 when the counts agree (or both are 0), 1 when one is 0 and the other not.</summary>
    public static double SpikeCountError(int data, int model) => data == model ? 0 : Math.Abs(model - data) / (double)Math.Max(model, data);
}
