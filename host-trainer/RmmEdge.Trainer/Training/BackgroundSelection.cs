using System.Diagnostics;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Scores training snapshots while training goes on, on a copy of the network (its own
/// <see cref="SnapshotValidator"/>), on the core that a single free run leaves idle. Snapshots queue up
/// and are scored in batches of the validator's <see cref="SnapshotValidator.BatchSize"/> (eight side by
/// side where the network allows it: a batch costs about what one snapshot alone does), at most one batch
/// in flight. Training waits for a score only at the end (<see cref="Finish"/>), or when scoring falls a
/// full batch behind. Scores come back in epoch order, and selection is exactly what it would be scoring
/// each snapshot as it came, since a score depends only on its snapshot.
/// </summary>
internal sealed class BackgroundSelection
{
    private readonly Model.Network _copy;
    private readonly SnapshotValidator _validator;
    private readonly List<(int Epoch, float[][] Snapshot)> _queued = [];
    private (int Epoch, float[][] Snapshot)[] _batch = [];
    private Task<double[]>? _running;

    /// <param name="validator">Builds the validator for the copy (the trainer's own settings).</param>
    public BackgroundSelection(Model.Network network, Func<Model.Network, SnapshotValidator> validator)
    {
        _copy = network.Copy();
        _validator = validator(_copy);
    }

    /// <summary>A snapshot's score.</summary>
    public sealed record Scored(int Epoch, double Score, float[][] Snapshot);

    /// <summary>Wall time spent in free runs (beside training).</summary>
    public double FreeRunSeconds => _validator.Seconds;

    /// <summary>Wall time the trainer stood still waiting for a score.</summary>
    public double WaitSeconds { get; private set; }

    /// <summary>Snapshots scored in one pass.</summary>
    public int BatchSize => _validator.BatchSize;

    /// <summary>The earliest epoch whose score is not yet known (−1: none; 0 is the starting model).</summary>
    public int PendingEpoch => _batch.Length > 0 ? _batch[0].Epoch : _queued.Count > 0 ? _queued[0].Epoch : -1;

    /// <summary>
    /// Queues <paramref name="snapshot"/> of <paramref name="epoch"/>; returns the scores that are ready (a
    /// finished batch's, in epoch order), and starts the next batch when one is full. It waits only when a
    /// full batch is already queued behind the one in flight, so scores never fall more than two batches behind.
    /// </summary>
    public IReadOnlyList<Scored> Submit(int epoch, float[][] snapshot)
    {
        _queued.Add((epoch, snapshot));
        List<Scored> ready = [];
        if (_running is not null && (_running.IsCompleted || _queued.Count > BatchSize))
        {
            long started = Stopwatch.GetTimestamp();
            ready = Collect();
            WaitSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        if (_running is null && _queued.Count >= BatchSize)
        {
            Start();
        }

        return ready;
    }

    /// <summary>Scores everything still queued or in flight, waiting for it; returns those scores in epoch order.</summary>
    public IReadOnlyList<Scored> Finish()
    {
        long started = Stopwatch.GetTimestamp();
        var scored = new List<Scored>();
        while (_running is not null || _queued.Count > 0)
        {
            if (_running is null)
            {
                Start();
            }

            scored.AddRange(Collect());
        }

        WaitSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        return scored;
    }

    private void Start()
    {
        _batch = _queued.Take(BatchSize).ToArray();
        _queued.RemoveRange(0, _batch.Length);
        float[][][] snapshots = _batch.Select(b => b.Snapshot).ToArray();
        _running = Task.Run(() => _validator.ValidateBatch(snapshots));
    }

    /// <summary>The batch in flight's scores (waiting for them if need be).</summary>
    private List<Scored> Collect()
    {
        double[] scores = _running!.GetAwaiter().GetResult();
        List<Scored> scored = _batch.Select((b, i) => new Scored(b.Epoch, scores[i], b.Snapshot)).ToList();
        _running = null;
        _batch = [];
        if (_queued.Count >= BatchSize)
        {
            Start();
        }

        return scored;
    }
}
