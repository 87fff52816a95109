using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

public sealed class InputNormalizerTests
{
    [Fact]
    public void NormalisationVectorPathsAreTheScalarDefinition()
    {
        var normalizer = new InputNormalizer(45);
        var random = new Random(6);
        for (int f = 0; f < 45; f++) { normalizer.Fit(f, -70 + f, -20 + 3 * f); }
        float[] raw = Enumerable.Range(0, 44).Select(_ => 200 * random.NextSingle() - 100).ToArray();
        float[] z = new float[44];
        normalizer.Apply(raw, 1, z);
        for (int i = 0; i < 44; i++)
        {
            Assert.Equal(InputNormalizer.Clamp((raw[i] - normalizer.Center[1 + i]) * normalizer.Scale[1 + i]), z[i]);
        }

        Assert.Contains(z, x => x == InputNormalizer.Limit);
        Assert.Contains(z, x => x == -InputNormalizer.Limit);
        Assert.Contains(z, x => Math.Abs(x) < InputNormalizer.Limit);
        normalizer.ApplyFeature(7, raw, z);
        for (int i = 0; i < 44; i++)
        {
            Assert.Equal(InputNormalizer.Clamp((raw[i] - normalizer.Center[7]) * normalizer.Scale[7]), z[i]);
        }
    }

    [Fact]
    public void FeatureBackwardIsTheScalarDefinition()
    {
        var normalizer = new InputNormalizer(3);
        normalizer.Fit(2, -70, -20);
        var random = new Random(8);
        float[] raw = Enumerable.Range(0, 45).Select(_ => 120 * random.NextSingle() - 105).ToArray();
        float[] z = new float[45], dz = Enumerable.Range(0, 45).Select(_ => random.NextSingle() - 0.5f).ToArray(), dRaw = new float[45];
        normalizer.ApplyFeature(2, raw, z);
        normalizer.BackwardFeature(2, z, dz, dRaw);
        for (int g = 0; g < 45; g++)
        {
            float expected = MathF.Abs(z[g]) < InputNormalizer.Limit ? dz[g] * normalizer.Scale[2] : 0f;
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(dRaw[g]));
        }

        Assert.Contains(dRaw, d => d == 0f);
        Assert.Contains(dRaw, d => d != 0f);
    }
}
