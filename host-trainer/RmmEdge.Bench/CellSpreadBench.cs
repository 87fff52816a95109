using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Interpretation;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench cell-spread [--cells a,…]`: how far each catalogue cell's own figures on a probe move
/// when nothing but its starting phase changes (settled at 0 nA for another 0.25–1 s before the same
/// stimulus), judged by the generalisation bar (Generalisation.Judge) against the judged probe. A probe on
/// which the cell itself misses the bar from another phase cannot be met by any model, however good: the
/// floor under every model figure. Spikes after <see cref="WarmupMs"/> (the recipe model's bank warm-up,
/// where the judged free runs start).
/// </summary>
public static class CellSpreadBench
{
    public const double WarmupMs = 2240;
    private static readonly double[] ExtraSettleSeconds = [0.25, 0.5, 0.75, 1.0];

    public static void Run(IReadOnlyList<string> cells, TextWriter output)
    {
        foreach (string cell in cells)
        {
            bool burster = Generalisation.IsBurster(Generalisation.CellTable(cell));
            int within = 0, all = 0;
            foreach ((string probe, Dataset judged) in Generalisation.Probes(cell))
            {
                output.WriteLine($"{cell} {probe}:");
                foreach (double extra in ExtraSettleSeconds)
                {
                    (bool ok, string figures) = Generalisation.CellAgainstItself(judged, cell, probe, extra, burster, WarmupMs);
                    within += ok ? 1 : 0;
                    all++;
                    output.WriteLine($"    +{extra:0.00} s: {figures}{(ok ? "" : "  <- outside")}");
                }
            }

            output.WriteLine($"{cell}: the cell from another phase within the bar of its judged probe on {within} of {all}");
        }
    }
}
