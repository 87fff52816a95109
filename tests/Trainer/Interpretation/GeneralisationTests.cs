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
        (bool ok, string figures) = Generalisation.CellAgainstItself(Generalisation.Probe("a", "chirp", Generalisation.ProbeSeed), "a", "chirp", 0.5, burster: true, fromMs: 2240);
        Assert.True(ok, figures);
        Assert.StartsWith("bursts:", figures);
    }
}
