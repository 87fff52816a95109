using System.Diagnostics;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Scores training snapshots while training goes on: each snapshot is free-run on a copy of the
/// network (its own <see cref="SnapshotValidator"/>), on the core that a single free run leaves idle,
/// while the trainer computes the next epochs. At most one snapshot is in flight; the trainer gets
/// each score at its next validation (or at the end) and selects exactly as if it had waited, since
/// a score depends only on its snapshot.
/// </summary>
internal sealed class BackgroundSelection
{
    private readonly Model.Network _copy;
    private readonly SnapshotValidator _validator;
    private Task<double>? _running;
    private int _epoch;
    private float[][]? _snapshot;

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

    /// <summary>The epoch whose score is still being computed (−1: none; 0 is the starting model).</summary>
    public int PendingEpoch => _running is null ? -1 : _epoch;

    /// <summary>Starts scoring <paramref name="snapshot"/> of <paramref name="epoch"/>; returns the previous snapshot's score, if any (waiting for it).</summary>
    public Scored? Submit(int epoch, float[][] snapshot)
    {
        Scored? previous = Finish();
        _copy.Restore(snapshot);
        _epoch = epoch;
        _snapshot = snapshot;
        _running = Task.Run(_validator.Validate);
        return previous;
    }

    /// <summary>Waits for the snapshot in flight and returns its score (null: none).</summary>
    public Scored? Finish()
    {
        if (_running is null)
        {
            return null;
        }

        long started = Stopwatch.GetTimestamp();
        double score = _running.GetAwaiter().GetResult();
        WaitSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        _running = null;
        return new Scored(_epoch, score, _snapshot!);
    }
}
