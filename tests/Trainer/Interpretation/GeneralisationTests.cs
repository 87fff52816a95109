using RmmEdge.Trainer.Data;
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
}
