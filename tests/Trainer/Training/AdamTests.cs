using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class AdamTests
{
    /// <summary>
    /// The vector and sliced update (multiple shooting's 10⁵–10⁶ shot states) must be Adam as written
    /// element by element (Kingma &amp; Ba with bias correction), bit for bit: a model trained before
    /// the vector path is the model trained after it.
    /// </summary>
    [Fact]
    public void VectorAndSlicedUpdatesAreTheScalarDefinitionBitForBit()
    {
        const float rate = 0.003f, beta1 = 0.9f, beta2 = 0.9f, epsilon = 1e-8f;
        var random = new Random(12);
        Parameter[] parameters = [new("small", 5), new("layer", 37 * 10 + 3), new("shots", 150_001)];
        foreach (Parameter p in parameters)
        {
            for (int i = 0; i < p.Size; i++) { p.Value[i] = 4 * random.NextSingle() - 2; }
        }

        float[][] value = parameters.Select(p => (float[])p.Value.Clone()).ToArray();
        float[][] m = parameters.Select(p => new float[p.Size]).ToArray();
        float[][] v = parameters.Select(p => new float[p.Size]).ToArray();
        var adam = new Adam(parameters, rate, beta1, beta2, epsilon);
        for (int t = 1; t <= 6; t++)
        {
            foreach (Parameter p in parameters)
            {
                // Some exact zeros, as a shot outside the mini-batch has.
                for (int i = 0; i < p.Size; i++) { p.Grad[i] = random.Next(4) == 0 ? 0f : (float)(random.NextDouble() * 2 - 1) * MathF.Pow(10, random.Next(-6, 3)); }
            }

            adam.Step();
            float c1 = 1f - MathF.Pow(beta1, t), c2 = 1f - MathF.Pow(beta2, t);
            float step = rate * MathF.Sqrt(c2) / c1;
            for (int p = 0; p < parameters.Length; p++)
            {
                for (int i = 0; i < parameters[p].Size; i++)
                {
                    float g = parameters[p].Grad[i];
                    m[p][i] = beta1 * m[p][i] + (1f - beta1) * g;
                    v[p][i] = beta2 * v[p][i] + (1f - beta2) * g * g;
                    value[p][i] -= step * m[p][i] / (MathF.Sqrt(v[p][i]) + epsilon * MathF.Sqrt(c2));
                    Assert.True(BitConverter.SingleToInt32Bits(value[p][i]) == BitConverter.SingleToInt32Bits(parameters[p].Value[i]),
                        $"step {t}, {parameters[p].Name}[{i}]: definition {value[p][i]:R}, Adam {parameters[p].Value[i]:R}");
                }
            }
        }
    }
}
