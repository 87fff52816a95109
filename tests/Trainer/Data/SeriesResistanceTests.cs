using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>The bridge error of a single-electrode recording is found from the voltage's jumps with the current, and removed.</summary>
public sealed class SeriesResistanceTests(ITestOutputHelper output)
{
    [Fact]
    public void TwentyMegaohmsAddedToASimulatedCellAreFoundAndRemoved()
    {
        Dataset cell = BuiltInData.Simulate("stg", 6, seed: 4);
        double clean = SeriesResistance.Estimate(cell, 0);
        Dataset recorded = SeriesResistance.Remove(cell, [-20]);   // removing −20 MΩ adds +20 MΩ × I: what an unbalanced bridge records
        double found = SeriesResistance.Estimate(recorded, 0);
        output.WriteLine($"clean cell: {clean:0.00} MΩ; with 20 MΩ: {found:0.00} MΩ");
        Assert.InRange(clean, -1, 1);
        Assert.InRange(found, 19, 21);
        Dataset balanced = SeriesResistance.Remove(recorded, [found]);
        Assert.Contains("series resistance", balanced.Source);
        double worst = cell.Neurons[0].V.Zip(balanced.Neurons[0].V, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 0.5, $"largest difference from the clean cell {worst:0.000} mV");
        Assert.Throws<UserError>(() => SeriesResistance.Remove(cell, [double.NaN]));
    }
}
