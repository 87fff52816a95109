using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using Xunit;

namespace RmmEdge.Trainer.Tests.Interpretation;

/// <summary>The generalisation verdict's bar (issue 17) can be met: the cell meets it against itself.</summary>
public sealed class GeneralisationTests
{
    /// <summary>
    /// Neuron A on the chirp, the probe every model of it misses: from another starting phase (half a
    /// second more at 0 nA, most of a burst cycle) the cell's bursts after the models' 2.24 s warm-up are
    /// within the bar of its judged response, so the misses are the models', not the bar's.
    /// </summary>
    [Fact]
    public void TheCellMeetsTheProbeBarAgainstItselfFromAnotherPhase()
    {
        Dataset judged = Generalisation.Probe("a", "chirp", Generalisation.ProbeSeed);
        Dataset later = Generalisation.Probe("a", "chirp", Generalisation.ProbeSeed, Generalisation.SettleSeconds + 0.5);
        (bool ok, string figures) = Generalisation.Judge(Generalisation.CellAgainstItself(judged, later, "a", fromMs: 2240), burster: true);
        Assert.True(ok, figures);
        Assert.StartsWith("bursts:", figures);
    }

    /// <summary>
    /// Issue 17's fixed-point bar (3 % period, ±0.5 spikes per burst) asked of the cell: neuron A on the chirp with
    /// every conductance moved by 1 + 2⁻¹⁵·N(0, 1) (a 16-bit weight's rounding) keeps it, though its voltage moves, so
    /// a model as robust as the cell would keep its float free run in 16 bits there.
    /// </summary>
    [Fact]
    public void TheCellKeepsTheFixedPointBarWithItsConductancesMovedBySixteenBitRounding()
    {
        Dataset judged = Generalisation.Probe("a", "chirp", Generalisation.ProbeSeed);
        StgConductances moved = StgConductances.Named("a").Perturbed(1.0 / (1 << 15), new Random(1));
        Dataset other = Generalisation.Probe(moved, "a perturbed", "chirp", Generalisation.ProbeSeed, Generalisation.SettleSeconds);
        Assert.NotEqual(StgConductances.Named("a"), moved);
        Assert.True(judged.Neurons[0].V.Zip(other.Neurons[0].V).Any(p => p.First != p.Second), "the perturbed cell's voltage should differ");
        (bool kept, string figures) = Generalisation.FixedBarAgainstData(Generalisation.CellAgainstItself(judged, other, "a", fromMs: 2240), burster: true);
        Assert.True(kept, figures);
    }

    /// <summary>
    /// …but not everywhere: on the noise probe, neuron A from a quarter second later (another phase of its rhythm)
    /// meets the probe bar and misses the fixed-point bar (−3.8 % period when written). The 3 % bar is at the edge
    /// of what the cell itself repeats on an irregular drive.
    /// </summary>
    [Fact]
    public void OnTheNoiseProbeTheCellsOwnPhaseMissesTheFixedPointBar()
    {
        Dataset judged = Generalisation.Probe("a", "noise", Generalisation.ProbeSeed);
        Dataset later = Generalisation.Probe("a", "noise", Generalisation.ProbeSeed, Generalisation.SettleSeconds + 0.25);
        NeuronScore score = Generalisation.CellAgainstItself(judged, later, "a", fromMs: 2240);
        (bool within, string figures) = Generalisation.Judge(score, burster: true);
        Assert.True(within, figures);
        (bool kept, string fixedFigures) = Generalisation.FixedBarAgainstData(score, burster: true);
        Assert.False(kept, fixedFigures);
    }
}
