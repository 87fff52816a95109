using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

public sealed class FilterBankTests
{
    private static readonly double[] Taus = FilterBankSpec.Geometric(0.5, 2.0, 0, 5);

    [Theory]
    [InlineData(FilterKind.Diagonal)]
    [InlineData(FilterKind.Orthonormal)]
    public void SteadyStateIsAFixedPoint(FilterKind kind)
    {
        var bank = new FilterBank(new FilterBankSpec(kind, Taus), 0.1);
        float[] x = new float[bank.Size], y = new float[bank.Size];
        bank.SteadyState(-60f, x);
        x.CopyTo(y, 0);
        bank.Step(y, -60f);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i], y[i], 1e-3f);
        }
    }

    [Fact]
    public void DiagonalStatesHaveUnitDcGain()
    {
        var bank = new FilterBank(new FilterBankSpec(FilterKind.Diagonal, Taus), 0.1);
        for (int i = 0; i < bank.Size; i++) { Assert.Equal(1.0, bank.DcGain(i)); }
    }

    [Fact]
    public void OrthonormalStatesHaveOrthonormalImpulseResponses()
    {
        // The GOBF cascade's state impulse responses are mutually orthonormal: Σ_k h_i[k] h_j[k] = δ_ij.
        var bank = new FilterBank(new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3, 10]), 0.1);
        int n = 20000;
        float[] states = new float[n * bank.Size];
        float[] x = new float[bank.Size];
        for (int k = 0; k < n; k++)
        {
            bank.Step(x, k == 0 ? 1f : 0f);   // zero initial state, unit impulse
            x.CopyTo(states, k * bank.Size);
        }

        for (int i = 0; i < bank.Size; i++)
        {
            for (int j = 0; j < bank.Size; j++)
            {
                double dot = 0;
                for (int k = 0; k < n; k++) { dot += (double)states[k * bank.Size + i] * states[k * bank.Size + j]; }
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 1e-3);
            }
        }
    }

    [Fact]
    public void WarmupIsWhereTheSlowestModeDecaysToOnePercent()
    {
        var bank = new FilterBank(new FilterBankSpec(FilterKind.Orthonormal, FilterBankSpec.Geometric(0.05, 1.3, 0, 35)), 0.1);
        // τ_max = 0.05·1.3^35 ms ≈ 486 ms; ln(100)·τ ≈ 2.24 s = 22,390 samples.
        Assert.InRange(bank.WarmupSamples, 22300, 22450);
        Assert.Equal(486.0, bank.Spec.TauMs[^1], 1.0);
    }

    [Fact]
    public void RejectsNonPositiveTimeConstants() =>
        Assert.Throws<ArgumentException>(() => new FilterBank(new FilterBankSpec(FilterKind.Diagonal, [1, 0]), 0.1));
}
