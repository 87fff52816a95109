using RmmEdge.TestSupport;
using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>
/// The batched current (<see cref="CurrentChunk"/>, what both trainers use) against the per-sample
/// reference (<see cref="Current.Evaluate"/>, what the free run uses): the same ψ for a lumped current,
/// a gating synapse and a gating current with inactivation, and gradients that match the function.
/// </summary>
public sealed class CurrentChunkTests
{
    private const int Samples = 40;

    /// <summary>Per sample: the owner's voltage, the raw bank states, and the normalised inputs (feature-major for the chunk).</summary>
    private static (float[] V, float[][] X, float[] Z) Inputs(Current current, Random random)
    {
        int width = current.Normalizer.Center.Length;
        float[] v = new float[Samples], z = new float[width * Samples];
        float[][] x = new float[Samples][];
        float[] one = new float[width];
        for (int b = 0; b < Samples; b++)
        {
            v[b] = -90f + 120f * random.NextSingle();
            x[b] = Enumerable.Range(0, current.Bank.Size).Select(_ => -150f + 300f * random.NextSingle()).ToArray();
            if (current is LumpedCurrent lumped) { lumped.FillInput(v[b], x[b], one); }
            else { ((GatingCurrent)current).Normalize(x[b], one); }
            for (int f = 0; f < width; f++) { z[f * Samples + b] = one[f]; }
        }

        return (v, x, z);
    }

    [Fact]
    public void TheChunkGivesThePerSampleReferencesPsi()
    {
        Network network = TestNetworks.Circuit(5);
        var random = new Random(1);
        Assert.Contains(network.Currents, c => c is LumpedCurrent);
        Assert.Contains(network.Currents, c => c is GatingCurrent { Inactivation: not null });
        foreach (Current current in network.Currents)
        {
            (float[] v, float[][] x, float[] z) = Inputs(current, random);
            float[] psi = new CurrentChunk(current, Samples).Forward(0, z, v, Samples).ToArray();
            float[] scratch = new float[current.ScratchSize];
            for (int b = 0; b < Samples; b++)
            {
                float reference = current.Evaluate(v[b], x[b], scratch);
                Assert.True(MathF.Abs(psi[b] - reference) <= 1e-5f * MathF.Max(1f, MathF.Abs(reference)),
                    $"{current.QualifiedName}, sample {b}: chunk {psi[b]} against reference {reference}");
            }
        }
    }

    [Fact]
    public void ItsInputAndVoltageGradientsAreTheDerivativesOfPsi()
    {
        Network network = TestNetworks.Circuit(6);
        var random = new Random(2);
        foreach (Current current in network.Currents)
        {
            (float[] v, _, float[] z) = Inputs(current, random);
            var chunk = new CurrentChunk(current, Samples);
            chunk.Forward(0, z, v, Samples);
            float[] ones = Enumerable.Repeat(1f, Samples).ToArray();
            float[] dz = new float[z.Length], dv = new float[Samples];
            chunk.Backward(0, z, v, 1f, ones, Samples, dz, dv);

            // dψ/dv: a gating current's conductance g·a·b (ψ / (v − E)); a lumped current's voltage enters through z.
            if (current is GatingCurrent gating)
            {
                float[] psi = chunk.Forward(0, z, v, Samples).ToArray();
                for (int b = 0; b < Samples; b++)
                {
                    float expected = psi[b] / (v[b] - gating.E);
                    Assert.True(MathF.Abs(dv[b] - expected) <= 1e-4f * MathF.Max(1e-3f, MathF.Abs(expected)), $"{current.QualifiedName} dψ/dv at {b}: {dv[b]} against {expected}");
                }
            }
            else
            {
                Assert.All(dv, d => Assert.Equal(0f, d));
            }

            // dψ/dz by central differences, on inputs inside the clamp.
            const float h = 1e-3f;
            int checkedInputs = 0;
            for (int f = 0; f < current.Normalizer.Center.Length; f++)
            {
                int at = f * Samples + 3;
                if (MathF.Abs(z[at]) > 0.9f) { continue; }
                float[] up = (float[])z.Clone(), down = (float[])z.Clone();
                up[at] += h;
                down[at] -= h;
                double numeric = ((double)chunk.Forward(0, up, v, Samples)[3] - chunk.Forward(0, down, v, Samples)[3]) / (2 * h);
                Assert.True(Math.Abs(dz[at] - numeric) <= 2e-2 * Math.Max(1e-2, Math.Abs(numeric)), $"{current.QualifiedName} dψ/dz[{f}]: {dz[at]} against {numeric:G4}");
                checkedInputs++;
            }

            Assert.True(checkedInputs > 0, $"{current.QualifiedName}: no input inside the clamp to check");
        }
    }
}
