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

    [Theory]
    [InlineData(FilterKind.Diagonal)]
    [InlineData(FilterKind.Orthonormal)]
    public void StepBatchIsStepBitForBit(FilterKind kind)
    {
        double[] taus = FilterBankSpec.Geometric(0.05, 1.3, 0, 35);
        var bank = new FilterBank(new FilterBankSpec(kind, taus), 0.1);
        var random = new Random(2);
        foreach (int n in new[] { 1, 5, 8, 16, 19, 40 })
        {
            float[][] copies = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, bank.Size).Select(_ => 100 * random.NextSingle() - 50).ToArray()).ToArray();
            float[][] definition = copies.Select(c => (float[])c.Clone()).ToArray();
            float[] batch = new float[bank.Size * n];
            for (int b = 0; b < n; b++) { for (int i = 0; i < bank.Size; i++) { batch[i * n + b] = copies[b][i]; } }
            float[] outOfPlace = (float[])batch.Clone(), into = new float[bank.Size * n];
            for (int step = 0; step < 20; step++)
            {
                float[] u = Enumerable.Range(0, n).Select(_ => 80 * random.NextSingle() - 70).ToArray();
                bank.StepBatch(batch, u, n);

                // Out of place (multiple shooting steps x[k] into x[k+1]): the same bits, and the old states left alone.
                float[] source = (float[])outOfPlace.Clone();
                bank.StepBatch(outOfPlace, into, u, n);
                Assert.Equal(source, outOfPlace);
                Assert.Equal(batch.Select(BitConverter.SingleToInt32Bits), into.Select(BitConverter.SingleToInt32Bits));
                (outOfPlace, into) = (into, outOfPlace);
                for (int b = 0; b < n; b++)
                {
                    bank.Step(copies[b], u[b]);
                    DefinitionStep(kind, taus, definition[b], u[b]);
                }
            }

            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < bank.Size; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(definition[b][i]) == BitConverter.SingleToInt32Bits(copies[b][i]),
                        $"{kind}: copy {b} state {i}: definition {definition[b][i]:R}, Step {copies[b][i]:R}");
                    Assert.True(BitConverter.SingleToInt32Bits(copies[b][i]) == BitConverter.SingleToInt32Bits(batch[i * n + b]),
                        $"{kind}, {n} copies: copy {b} state {i}: Step {copies[b][i]:R}, StepBatch {batch[i * n + b]:R}");
                }
            }
        }
    }

    /// <summary>The bank's step as FilterKind documents it, one state after the other (dt 0.1 ms).</summary>
    private static void DefinitionStep(FilterKind kind, double[] taus, float[] x, float u)
    {
        float carried = u;
        for (int i = 0; i < taus.Length; i++)
        {
            float lambda = (float)Math.Exp(-0.1 / taus[i]);
            if (kind == FilterKind.Diagonal)
            {
                x[i] = lambda * x[i] + (1f - lambda) * u;
                continue;
            }

            float gain = (float)Math.Sqrt(1 - Math.Exp(-2 * 0.1 / taus[i]));
            float old = x[i];
            x[i] = lambda * old + gain * carried;
            carried = gain * old - lambda * carried;
        }
    }

    /// <summary>
    /// StepBatchBackward is the adjoint of StepBatch (⟨gradNext, A x + B u⟩ = ⟨Aᵀ gradNext, x⟩ + ⟨Bᵀ gradNext, u⟩
    /// for random x, u) and its lanes, walked side by side, are one copy's scalar walk bit for bit.
    /// </summary>
    [Theory]
    [InlineData(FilterKind.Diagonal)]
    [InlineData(FilterKind.Orthonormal)]
    public void StepBatchBackwardIsTheAdjointAndEveryLaneTheScalarWalk(FilterKind kind)
    {
        var bank = new FilterBank(new FilterBankSpec(kind, FilterBankSpec.Geometric(0.05, 1.3, 0, 35)), 0.1);
        var random = new Random(3);
        foreach (int n in new[] { 1, 8, 19 })
        {
            float[] Random(int length) => Enumerable.Range(0, length).Select(_ => 2 * random.NextSingle() - 1).ToArray();
            float[] x = Random(bank.Size * n), u = Random(n), gradNext = Random(bank.Size * n);
            float[] stepped = (float[])x.Clone();
            bank.StepBatch(stepped, u, n);
            float[] gradState = new float[bank.Size * n], gradInput = new float[n];
            bank.StepBatchBackward(gradNext, gradState, gradInput, n);
            double left = 0, right = 0;
            for (int j = 0; j < x.Length; j++) { left += (double)gradNext[j] * stepped[j]; right += (double)gradState[j] * x[j]; }
            for (int b = 0; b < n; b++) { right += (double)gradInput[b] * u[b]; }
            Assert.Equal(left, right, 4);

            for (int b = 0; b < n; b++)
            {
                // One lane alone (n = 1) through the scalar path.
                float[] laneNext = Enumerable.Range(0, bank.Size).Select(i => gradNext[i * n + b]).ToArray();
                float[] laneState = new float[bank.Size], laneInput = new float[1];
                bank.StepBatchBackward(laneNext, laneState, laneInput, 1);
                Assert.Equal(BitConverter.SingleToInt32Bits(laneInput[0]), BitConverter.SingleToInt32Bits(gradInput[b]));
                for (int i = 0; i < bank.Size; i++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(laneState[i]), BitConverter.SingleToInt32Bits(gradState[i * n + b]));
                }
            }
        }
    }
}
