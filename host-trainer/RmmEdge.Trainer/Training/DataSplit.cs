using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// How a training record is divided between fitting and snapshot selection. A record of three or more
/// segments (sweeps, files) is split by segment: a <c>validationFraction</c> of them, spread evenly
/// over the record (so a step protocol keeps small and large steps on both sides), is held out, and
/// selection free-runs those and, up to a <c>selectionFraction</c> of all segments, some training
/// ones. A record of one or two segments is split by time, as the authors do: the last
/// <c>validationFraction</c> is held out and selection free-runs the last <c>selectionFraction</c>
/// after a warm-up on the samples before it.
/// </summary>
/// <param name="Train">What teacher forcing fits.</param>
/// <param name="Selection">What snapshots are free-run and scored on.</param>
/// <param name="Transient">The start of every training segment that is not fitted.</param>
/// <param name="SelectionTransient">The start of every selection segment that is teacher forced, not scored.</param>
/// <param name="Description">The split in words, for logs and results.</param>
/// <param name="SegmentsApart">Whether selection scores each of its segments on its own and averages the scores (a selection
/// record of several stimulus classes, <see cref="Beside"/>), rather than laying their spike trains end to end.</param>
public sealed record DataSplit(Dataset Train, Dataset Selection, Transient Transient, Transient SelectionTransient, string Description,
    bool SegmentsApart = false)
{
    /// <summary>
    /// The whole of <paramref name="data"/> to fit, and a separate <paramref name="selection"/> record to choose
    /// snapshots by: what a lab records beside its training protocol (<c>rmm train --selection</c>; issue 17 §3). Each
    /// selection segment is free-run on its own after its warm-up and scored on its own: laid end to end, the
    /// burst period is the median interval over all segments, and the segment with the most bursts decides it.
    /// </summary>
    public static DataSplit Beside(Network network, Dataset data, Dataset selection, double? transientMs)
    {
        network.CheckFits(selection);
        Transient transient = Transient.For(network, data, transientMs);
        Transient selectionTransient = Transient.For(network, selection, transientMs);
        return new DataSplit(data, selection, transient, selectionTransient,
            $"training on all of {data.Source}; selecting on {selection.Source} ({selection.Segments.Count} segment{(selection.Segments.Count == 1 ? "" : "s")}, " +
            $"each scored on its own); transient: {transient}; in selection: {selectionTransient}", SegmentsApart: true);
    }

    /// <summary><see cref="Beside"/> when a selection record is given, else <see cref="Of"/>.</summary>
    public static DataSplit Of(Network network, Dataset data, Dataset? selection, double validationFraction, double selectionFraction, double? transientMs) =>
        selection is null ? Of(network, data, validationFraction, selectionFraction, transientMs) : Beside(network, data, selection, transientMs);

    public static DataSplit Of(Network network, Dataset data, double validationFraction, double selectionFraction, double? transientMs)
    {
        Transient transient = Transient.For(network, data, transientMs);
        int n = data.Segments.Count;
        if (n >= 3)
        {
            int held = Math.Clamp((int)Math.Round(validationFraction * n), 1, n - 1);
            int scored = Math.Clamp((int)Math.Round(Math.Max(selectionFraction, validationFraction) * n), held, n);
            int[] validation = Spread(n, held);
            int[] train = Enumerable.Range(0, n).Except(validation).ToArray();
            int[] extra = Spread(train.Length, scored - held).Select(i => train[i]).ToArray();
            int[] selection = validation.Concat(extra).Order().ToArray();
            return new DataSplit(data.SelectSegments(train), data.SelectSegments(selection), transient, transient,
                $"by segment: training on segments {Ranges(train)}, holding out {Ranges(validation)}, selecting on {Ranges(selection)}; " +
                $"transient: {transient}");
        }

        int split = (int)Math.Round(data.Length * (1 - validationFraction));
        int start = (int)Math.Round(data.Length * (1 - Math.Max(selectionFraction, validationFraction)));
        int warm = Math.Min(transient.Samples, start);
        return new DataSplit(data.Slice(0, split), data.Slice(start - warm, data.Length - start + warm), transient,
            new Transient(warm, data.DtMs, $"{warm * data.DtMs / 1000:0.###} s of teacher-forced warm-up before the scored part"),
            $"by time: training on the first {split * data.DtMs / 1000:0.###} s, selecting on the last {(data.Length - start) * data.DtMs / 1000:0.###} s " +
            $"(the last {(data.Length - split) * data.DtMs / 1000:0.###} s held out); transient: {transient}");
    }

    /// <summary><paramref name="count"/> of the indices 0…<paramref name="n"/>−1, evenly spread.</summary>
    private static int[] Spread(int n, int count) =>
        Enumerable.Range(0, count).Select(j => (int)((j + 0.5) * n / count)).Distinct().ToArray();

    /// <summary>Indices as ranges: 0-3,5,7-9.</summary>
    public static string Ranges(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        for (int i = 0; i < indices.Count;)
        {
            int j = i;
            while (j + 1 < indices.Count && indices[j + 1] == indices[j] + 1) { j++; }
            parts.Add(j == i ? $"{indices[i]}" : $"{indices[i]}-{indices[j]}");
            i = j + 1;
        }

        return string.Join(",", parts);
    }
}
