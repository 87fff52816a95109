using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench cell-spread [--cells a,…]`: how far each catalogue cell's own figures on a probe move
/// when the run is moved a little, judged against the judged probe by both of issue 17's bars:
/// <list type="bullet">
/// <item>another starting phase (settled at 0 nA for another 0.25–1 s before the same stimulus), by the
/// generalisation bar (Generalisation.Judge, 10 % / ±1.5) and by the fixed-point bar (3 % / ±0.5);</item>
/// <item>the cell's own conductances moved by 1 + 2⁻¹⁵·N(0, 1) each (a 16-bit weight's rounding, the
/// perturbation `fixed-drift` gives the models), two draws, by both bars.</item>
/// </list>
/// A probe on which the cell itself misses a bar cannot be asked of any model, however good: the floor
/// under every model figure. Spikes after <see cref="WarmupMs"/> (the recipe model's bank warm-up, where
/// the judged free runs start).
/// </summary>
public static class CellSpreadBench
{
    public const double WarmupMs = 2240;
    private static readonly double[] ExtraSettleSeconds = [0.25, 0.5, 0.75, 1.0];
    private const double SixteenBitRelative = 1.0 / (1 << 15);
    private const int PerturbationDraws = 2;

    public static void Run(IReadOnlyList<string> cells, TextWriter output)
    {
        foreach (string cell in cells)
        {
            bool burster = Generalisation.IsBurster(Generalisation.CellTable(cell));
            var phase = new Tally();
            var perturbed = new Tally();
            // The same perturbed cells on every probe.
            var random = new Random(1);
            StgConductances[] moved = Enumerable.Range(0, PerturbationDraws)
                .Select(_ => StgConductances.Named(cell).Perturbed(SixteenBitRelative, random)).ToArray();
            foreach ((string probe, Dataset judged) in Generalisation.Probes(cell))
            {
                output.WriteLine($"{cell} {probe}:");
                foreach (double extra in ExtraSettleSeconds)
                {
                    Dataset other = Generalisation.Probe(cell, probe, Generalisation.ProbeSeed, Generalisation.SettleSeconds + extra);
                    output.WriteLine($"    +{extra:0.00} s: {phase.Add(Generalisation.CellAgainstItself(judged, other, cell, WarmupMs), burster)}");
                }

                for (int draw = 0; draw < moved.Length; draw++)
                {
                    Dataset other = Generalisation.Probe(moved[draw], $"{cell} perturbed", probe, Generalisation.ProbeSeed, Generalisation.SettleSeconds);
                    output.WriteLine($"    g·(1 + 2⁻¹⁵N) #{draw + 1}: {perturbed.Add(Generalisation.CellAgainstItself(judged, other, cell, WarmupMs), burster)}");
                }
            }

            output.WriteLine($"{cell}: from another phase, the probe bar met on {phase.Probe} of {phase.Runs}, the fixed-point bar on {phase.Fixed}; " +
                $"with its conductances moved by 2⁻¹⁵, the probe bar on {perturbed.Probe} of {perturbed.Runs}, the fixed-point bar on {perturbed.Fixed}");
        }
    }

    /// <summary>Counts of runs and of the bars each met.</summary>
    private sealed class Tally
    {
        public int Runs, Probe, Fixed;

        /// <summary>Judges one run by both bars and counts it; returns its line.</summary>
        public string Add(NeuronScore score, bool burster)
        {
            (bool probeOk, string figures) = Generalisation.Judge(score, burster);
            (bool fixedOk, _) = Generalisation.FixedBarAgainstData(score, burster);
            Runs++;
            Probe += probeOk ? 1 : 0;
            Fixed += fixedOk ? 1 : 0;
            return $"{figures}; probe bar {(probeOk ? "met" : "MISSED")}, fixed-point bar {(fixedOk ? "met" : "missed")}";
        }
    }
}
