using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Evaluation;

/// <summary>
/// How much of the start of every segment is neither trained on nor scored. Each segment's filter
/// banks start at the DC steady state of its first sample, which is exact for a cell at rest; the
/// transient gives them time to forget a start that was not. Unless set (<c>--warmup-ms</c>,
/// <c>transientMs</c>): on records whose every segment is longer than four times the banks' own
/// warm-up (the slowest mode decays to 1 %, the authors' rule; 2.24 s for the default banks at any
/// rate) that warm-up; otherwise, as for sweeps that start at rest, 100 ms. Stated with every result.
/// </summary>
public sealed record Transient(int Samples, double DtMs, string Rule)
{
    /// <summary>The transient of sweeps too short for the banks' own warm-up.</summary>
    public const double SweepMs = 100;

    public double Ms => Samples * DtMs;

    public static Transient For(Network network, Dataset data, double? transientMs = null)
    {
        if (transientMs is double ms)
        {
            if (!(ms >= 0) || !double.IsFinite(ms))
            {
                throw new UserError($"warm-up {ms} ms: expected a duration ≥ 0");
            }

            return new Transient((int)Math.Round(ms / data.DtMs), data.DtMs, $"first {ms:0.###} ms of each segment (as asked)");
        }

        int banks = network.WarmupSamples;
        if (data.Segments.All(g => g.Length > 4 * banks))
        {
            return new Transient(banks, data.DtMs, $"first {banks * data.DtMs / 1000:0.###} s of each segment (the slowest filter decays to 1 %)");
        }

        int sweep = (int)Math.Round(SweepMs / data.DtMs);
        return new Transient(Math.Min(banks, sweep), data.DtMs,
            $"first {Math.Min(banks, sweep) * data.DtMs:0.###} ms of each segment (filters start at the DC steady state of its first sample)");
    }

    public override string ToString() => Rule;
}
