using System.Runtime.Intrinsics;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;
using Xunit;

namespace RmmEdge.Trainer.Tests.Numerics;

/// <summary>
/// The small kernels around the dense layers in teacher forcing (noise, tanh, the row gather, the
/// shuffle, the activation derivative): each SIMD path equals its scalar definition bit for bit, and
/// the definition does what its name says.
/// </summary>
public sealed class TrainingKernelsTests
{
    public static TheoryData<int> Lengths => new() { 0, 1, 15, 16, 17, 37 * 240, 37 * 7 + 3 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void NoisePathsAgreeBitForBit(int length)
    {
        float[] scalar = Enumerable.Range(0, length).Select(i => i * 0.001f).ToArray();
        float[] wide = (float[])scalar.Clone(), half = (float[])scalar.Clone(), dispatched = (float[])scalar.Clone();
        GaussianNoise a = new(7), b = new(7), c = new(7), d = new(7);
        for (int call = 0; call < 3; call++)
        {
            a.AddScalar(scalar, 0.05f * InverseSd());
            if (Vector512.IsHardwareAccelerated) { b.Add512(wide, 0.05f * InverseSd()); } else { b.AddScalar(wide, 0.05f * InverseSd()); }
            if (Vector256.IsHardwareAccelerated) { c.Add256(half, 0.05f * InverseSd()); } else { c.AddScalar(half, 0.05f * InverseSd()); }
            d.Add(dispatched, 0.05f);
        }

        Assert.Equal(scalar, wide);
        Assert.Equal(scalar, half);
        Assert.Equal(scalar, dispatched);
    }

    private static float InverseSd() => (float)(1 / Math.Sqrt(4 * (256.0 * 256.0 - 1) / 12));

    [Fact]
    public void NoiseHasTheRequestedMeanAndSdAndDependsOnTheSeed()
    {
        float[] x = new float[1_000_000];
        new GaussianNoise(3).Add(x, 0.5f);
        double mean = x.Average(), sd = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.003, 0.003);
        Assert.InRange(sd, 0.497, 0.503);
        double kurtosis = x.Select(v => Math.Pow((v - mean) / sd, 4)).Average();
        Assert.InRange(kurtosis, 2.68, 2.72);   // Irwin–Hall of 4 uniforms: 3 − 1.2/4 (a Gaussian: 3)
        float[] y = new float[1000], z = new float[1000];
        new GaussianNoise(3).Add(y, 0.5f);
        new GaussianNoise(4).Add(z, 0.5f);
        Assert.Equal(x[..1000], y);
        Assert.NotEqual(y, z);
    }

    [Fact]
    public void TanhIsWithinAFewUlpOfTheExactValueAndItsPathsAgree()
    {
        float[] x = Enumerable.Range(-240_000, 480_001).Select(i => i * 5e-5f).Append(float.MaxValue).Append(-1e30f).ToArray();
        float[] y = new float[x.Length];
        FastTanh.Apply(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(FastTanh.Of(x[i]), y[i]);
            Assert.True(Math.Abs(y[i] - Math.Tanh(x[i])) <= 3e-7, $"tanh({x[i]}) = {y[i]}, exact {Math.Tanh(x[i])}");
        }

        Assert.Equal(0f, FastTanh.Of(0f));
        Assert.Equal(-FastTanh.Of(0.3f), FastTanh.Of(-0.3f));
    }

    [Theory]
    [InlineData(37, 240)]
    [InlineData(37, 7)]
    [InlineData(8, 16)]
    [InlineData(5, 9)]
    [InlineData(1, 1)]
    [InlineData(19, 33)]
    public void GatherTransposesTheChosenRows(int width, int n)
    {
        var random = new Random(width * 100 + n);
        int records = 500;
        float[] table = Enumerable.Range(0, records * width).Select(_ => random.NextSingle()).ToArray();
        int[] samples = Enumerable.Range(0, n).Select(_ => random.Next(records)).ToArray();
        float[] z = new float[width * n];
        RowGather.Gather(samples, table, width, z);
        for (int b = 0; b < n; b++)
        {
            for (int i = 0; i < width; i++)
            {
                Assert.Equal(table[samples[b] * width + i], z[i * n + b]);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => RowGather.Gather([records], table, width, new float[width]));
    }

    [Fact]
    public void ShuffleIsAPermutationThatDependsOnlyOnTheSeed()
    {
        int[] a = Enumerable.Range(0, 10_000).ToArray(), b = (int[])a.Clone(), c = (int[])a.Clone();
        new ShuffleRandom(5).Shuffle(a);
        new ShuffleRandom(5).Shuffle(b);
        new ShuffleRandom(6).Shuffle(c);
        Assert.Equal(Enumerable.Range(0, 10_000), a.Order());
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        // Every position equally likely: the first element of a 4-shuffle, 40,000 times.
        var random = new ShuffleRandom(9);
        int[] counts = new int[4];
        for (int t = 0; t < 40_000; t++)
        {
            int[] v = [0, 1, 2, 3];
            random.Shuffle(v);
            counts[v[0]]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 9_700, 10_300));
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Identity)]
    public void ActivationDerivativeMatchesTheScalarDefinition(Activation activation)
    {
        var random = new Random(2);
        float[] y = Enumerable.Range(0, 53).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        float[] grad = Enumerable.Range(0, 53).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        float[] expected = grad.Select((g, i) => activation switch
        {
            Activation.Tanh => g * (1f - y[i] * y[i]),
            Activation.Sigmoid => g * (y[i] * (1f - y[i])),
            _ => g,
        }).ToArray();
        DenseLayer.MultiplyByDerivative(activation, y, grad);
        Assert.Equal(expected, grad);
    }
}
