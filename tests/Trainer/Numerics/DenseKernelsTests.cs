using RmmEdge.Trainer.Numerics;
using Xunit;

namespace RmmEdge.Trainer.Tests.Numerics;

/// <summary>The blocked SIMD kernels against plain loops, over shapes that reach every branch and tail.</summary>
public sealed class DenseKernelsTests
{
    /// <summary>Float sums in a different order: a few ULPs of the magnitudes involved.</summary>
    private const float Tolerance = 2e-5f;

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 37, 10, 240 }, { 10, 10, 16 }, { 10, 1, 240 }, { 3, 5, 7 }, { 4, 4, 17 },
        { 9, 6, 33 }, { 2, 13, 64 }, { 37, 10, 1 }, { 17, 9, 255 },
    };

    private static float[] Random(Random r, int n) => Enumerable.Range(0, n).Select(_ => r.NextSingle() * 2 - 1).ToArray();

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesTheDefinition(int inSize, int outSize, int batch)
    {
        var r = new Random(inSize * 1000 + outSize * 10 + batch);
        float[] w = Random(r, inSize * outSize), bias = Random(r, outSize), x = Random(r, inSize * batch);
        float[] y = new float[outSize * batch];
        DenseKernels.Forward(w, bias, inSize, outSize, x, batch, y);
        for (int j = 0; j < outSize; j++)
        {
            for (int b = 0; b < batch; b++)
            {
                double expected = bias[j];
                for (int k = 0; k < inSize; k++) { expected += w[j * inSize + k] * x[k * batch + b]; }
                Assert.Equal(expected, y[j * batch + b], Tolerance * Math.Max(1, inSize));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientsMatchTheDefinitionAndAccumulate(int inSize, int outSize, int batch)
    {
        var r = new Random(batch * 31 + inSize);
        float[] delta = Random(r, outSize * batch), x = Random(r, inSize * batch);
        float[] gw = Enumerable.Repeat(0.5f, inSize * outSize).ToArray(), gb = Enumerable.Repeat(-0.25f, outSize).ToArray();
        DenseKernels.AccumulateGradients(delta, x, inSize, outSize, batch, gw, gb);
        for (int j = 0; j < outSize; j++)
        {
            double sb = -0.25;
            for (int b = 0; b < batch; b++) { sb += delta[j * batch + b]; }
            Assert.Equal(sb, gb[j], Tolerance * batch);
            for (int k = 0; k < inSize; k++)
            {
                double s = 0.5;
                for (int b = 0; b < batch; b++) { s += delta[j * batch + b] * x[k * batch + b]; }
                Assert.Equal(s, gw[j * inSize + k], Tolerance * batch);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardInputMatchesTheDefinition(int inSize, int outSize, int batch)
    {
        var r = new Random(outSize * 77 + batch);
        float[] w = Random(r, inSize * outSize), delta = Random(r, outSize * batch);
        float[] dx = Enumerable.Repeat(123f, inSize * batch).ToArray();   // must be overwritten, not added to
        DenseKernels.BackwardInput(w, inSize, outSize, delta, batch, dx);
        for (int k = 0; k < inSize; k++)
        {
            for (int b = 0; b < batch; b++)
            {
                double s = 0;
                for (int j = 0; j < outSize; j++) { s += w[j * inSize + k] * delta[j * batch + b]; }
                Assert.Equal(s, dx[k * batch + b], Tolerance * Math.Max(1, outSize));
            }
        }
    }

    [Fact]
    public void TooShortSpansAreRejected()
    {
        Assert.Throws<ArgumentException>(() => DenseKernels.Forward(new float[5], [], 3, 2, new float[6], 2, new float[4]));
        Assert.Throws<ArgumentException>(() => DenseKernels.BackwardInput(new float[6], 3, 2, new float[4], 2, new float[5]));
        Assert.Throws<ArgumentException>(() => DenseKernels.AccumulateGradients(new float[4], new float[6], 3, 2, 2, new float[5], []));
    }

    public static TheoryData<int, int, int> TwinShapes => new()
    {
        { 37, 10, 240 }, { 10, 10, 240 }, { 10, 1, 240 }, { 37, 32, 240 }, { 32, 64, 240 }, { 10, 10, 16 }, { 17, 9, 255 },
        { 9, 6, 33 }, { 3, 5, 7 }, { 4, 4, 17 }, { 2, 13, 64 }, { 37, 10, 1 }, { 8, 8, 48 }, { 6, 7, 200 },
        { 11, 7, 240 }, { 13, 3, 64 }, { 9, 5, 8 }, { 1, 1, 8 },
    };

    /// <summary>
    /// The 512-bit kernels are the <see cref="System.Numerics.Vector{T}"/> kernels bit for bit (shapes that reach
    /// every block and tail of both, and gradients added to values of both signs, zeros of both signs among them).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(TwinShapes))]
    public void TheWideKernelsAreTheirVectorTwinsBitForBit(int inSize, int outSize, int batch)
    {
        Skip.IfNot(DenseKernels.UsesWideVectors, "this CPU has no AVX-512 (or Vector<float> is not 8 lanes): the 512-bit kernels are not used");
        var r = new Random(inSize * 7 + outSize * 131 + batch);
        float[] w = Random(r, inSize * outSize), bias = Random(r, outSize), x = Random(r, inSize * batch), delta = Random(r, outSize * batch);
        // Cancelling products, so that some sums round and their order shows.
        for (int i = 0; i < x.Length; i += 3) { x[i] *= 1e4f; }

        float[] wide = new float[outSize * batch], twin = new float[outSize * batch];
        DenseKernels.Forward(w, bias, inSize, outSize, x, batch, wide);
        DenseKernels.ForwardVector(w, bias, inSize, outSize, x, batch, twin);
        Assert.Equal(Bits(twin), Bits(wide));

        float[] dxWide = new float[inSize * batch], dxTwin = new float[inSize * batch];
        DenseKernels.BackwardInput(w, inSize, outSize, delta, batch, dxWide);
        DenseKernels.BackwardInputVector(w, inSize, outSize, delta, batch, dxTwin);
        Assert.Equal(Bits(dxTwin), Bits(dxWide));

        float[] start = Random(r, inSize * outSize);
        for (int i = 0; i < start.Length; i += 5) { start[i] = i % 2 == 0 ? 0f : -0f; }
        float[] gwWide = (float[])start.Clone(), gwTwin = (float[])start.Clone();
        float[] gbWide = Random(r, outSize), gbTwin = (float[])gbWide.Clone();
        DenseKernels.AccumulateGradients(delta, x, inSize, outSize, batch, gwWide, gbWide);
        DenseKernels.AccumulateGradientsVector(delta, x, inSize, outSize, batch, gwTwin, gbTwin);
        Assert.Equal(Bits(gwTwin), Bits(gwWide));
        Assert.Equal(Bits(gbTwin), Bits(gbWide));
    }

    /// <summary>A sum added in another order is caught: the check above is not vacuous on these inputs.</summary>
    [Fact]
    public void AnotherSummationOrderChangesTheGradientBits()
    {
        var r = new Random(5);
        const int batch = 240;
        float[] delta = Random(r, batch), x = Random(r, batch);
        for (int i = 0; i < x.Length; i += 3) { x[i] *= 1e4f; }
        float[] g = new float[1];
        DenseKernels.AccumulateGradientsVector(delta, x, 1, 1, batch, g, []);
        float sequential = 0f;
        for (int b = 0; b < batch; b++) { sequential = MathF.FusedMultiplyAdd(delta[b], x[b], sequential); }
        Assert.NotEqual(BitConverter.SingleToInt32Bits(sequential), BitConverter.SingleToInt32Bits(g[0]));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
