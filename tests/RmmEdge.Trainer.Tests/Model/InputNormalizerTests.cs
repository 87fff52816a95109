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
}
