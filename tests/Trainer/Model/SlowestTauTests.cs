using RmmEdge.Rig;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>The slowest time constant of the intrinsic banks (config slowestTauMs, NetworkSpec.WithSlowestTau).</summary>
public sealed class SlowestTauTests
{
    [Fact]
    public void TheIntrinsicGridsAreExtendedWithTheirOwnRatioAndTheSynapsesKeepTheirs()
    {
        NetworkSpec spec = new TrainingConfig { Network = "single-activity", SlowestTauMs = 1500 }.BuildSpec(0.1, 1);
        double[] intrinsic = spec.Neurons[0].Currents![0].Bank.TauMs, activity = spec.Neurons[0].Currents![1].Bank.TauMs;

        // 0.05·1.3^i to i = 39 (1,390 ms; 1.3^40·0.05 = 1,807 ms is past 1,500) and 1.35^i to i = 24 (1,346 ms).
        Assert.Equal(40, intrinsic.Length);
        Assert.Equal(0.05 * Math.Pow(1.3, 39), intrinsic[^1], 6);
        Assert.Equal(25, activity.Length);
        Assert.Equal(Math.Pow(1.35, 24), activity[^1], 6);
        Assert.Equal(NetworkSpec.SingleNeuronWithActivity(0.1).Neurons[0].Currents![0].Bank.TauMs, intrinsic[..36]);

        NetworkSpec pair = new TrainingConfig { Network = "pair", SlowestTauMs = 100 }.BuildSpec(0.1, 2);
        Assert.All(pair.Neurons, n =>
        {
            Assert.True(n.Currents![0].Bank.TauMs[^1] <= 100 && n.Currents[0].Bank.TauMs[^1] * 1.3 > 100);
            Assert.Equal(NetworkSpec.Pair(0.1).Neurons[0].Currents![1].Bank.TauMs, n.Currents[1].Bank.TauMs);
        });
    }

    [Theory]
    [InlineData(0.01, "out of bounds: slowest time constant 0.01 ms is below the bank's fastest, 0.05 ms")]
    [InlineData(-5, "slowestTauMs: expected a time constant in (0, 1000000] ms, got -5")]
    [InlineData(double.NaN, "slowestTauMs: expected a time constant in (0, 1000000] ms, got NaN")]
    public void ATimeConstantOutsideTheGridIsAUserErrorNamingTheField(double slowest, string expected)
    {
        UserError e = Assert.Throws<UserError>(() => new TrainingConfig { SlowestTauMs = slowest }.BuildSpec(0.1, 1));
        Assert.Contains(expected, e.Message);
    }
}
