using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>Ensemble.Of: several networks of one structure as one network whose dv/dt is the mean of theirs.</summary>
public sealed class EnsembleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-ensemble-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Three circuits (lumped and gating currents, voltage and spike-activity banks, an external neuron) with their own c⁻¹, g_L, E_L and output scales.</summary>
    private static Network[] Members() => Enumerable.Range(1, 3).Select(seed =>
    {
        Network network = TestNetworks.ActivityCircuit(seed);
        NeuronModel model = network.Models.Single();
        model.InverseCapacitanceRaw.Value[0] = Softplus.Inverse(0.6f + 0.5f * seed);
        model.LeakConductanceRaw.Value[0] = Softplus.Inverse(0.01f * seed);
        model.LeakReversal.Value[0] = -40 - 7 * seed;
        foreach (LumpedCurrent lumped in network.Currents.OfType<LumpedCurrent>()) { lumped.OutputScale = seed; }
        network.RefreshEffective();
        return network;
    }).ToArray();

    /// <summary>dv/dt of the modelled neuron along a measured record (teacher forced): bursts of spikes on a slow wave, in both neurons.</summary>
    private static float[] Derivatives(Network network)
    {
        var runner = new NetworkRunner(network);
        runner.Reset([-60f, -60f]);
        var dvdt = new float[3000];
        float[] measured = new float[2], current = new float[2];
        for (int k = 0; k < dvdt.Length; k++)
        {
            double t = k * network.DtMs;
            measured[0] = (float)(-55 + 20 * Math.Sin(t / 40) + (Math.Sin(t / 40) > 0.5 ? 60 * Math.Max(0, Math.Sin(t * 1.3)) : 0));
            measured[1] = (float)(-50 + 25 * Math.Cos(t / 55) + (Math.Cos(t / 55) > 0.6 ? 55 * Math.Max(0, Math.Sin(t * 1.1)) : 0));
            current[1] = (float)(0.3 * Math.Sin(t / 13));
            runner.Step(current, measured, gamma: 1f);
            dvdt[k] = runner.Derivatives[1];
        }

        return dvdt;
    }

    [Fact]
    public void TheEnsemblesDvdtIsTheMeanOfItsMembers()
    {
        Network[] members = Members();
        float[][] each = members.Select(Derivatives).ToArray();
        Network ensemble = Ensemble.Of(members);
        float[] mean = Derivatives(ensemble);

        Assert.Equal(3 * members[0].Currents.Length, ensemble.Currents.Length);
        Assert.Contains(ensemble.Currents, c => c.QualifiedName == "model/syn~2");
        double largest = 0;
        for (int k = 0; k < mean.Length; k++)
        {
            double expected = each.Average(d => (double)d[k]);
            largest = Math.Max(largest, Math.Abs(expected));
            Assert.True(Math.Abs(mean[k] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"sample {k}: ensemble {mean[k]}, mean of members {expected}");
        }

        // The members differ, so the mean is not any one of them.
        Assert.True(largest > 1 && each[0].Zip(each[1]).Max(p => Math.Abs(p.First - p.Second)) > 0.1);
    }

    [Fact]
    public void AnEnsembleIsSavedLoadedAndCompiledLikeAnyNetwork()
    {
        Network ensemble = Ensemble.Of(Members());
        string path = Path.Combine(_dir, "ensemble.rmm.json");
        ModelFile.Save(ensemble, path);
        Assert.Equal(Derivatives(ensemble), Derivatives(ModelFile.Load(path)));
        Assert.NotEmpty(Quantizer.Compile(ensemble, 16, out _));
    }

    [Fact]
    public void MembersOfAnotherStructureAreRefused()
    {
        Network other = TestNetworks.Circuit(1);
        Assert.Throws<ArgumentException>(() => Ensemble.Of([Members()[0], other]));
        Assert.Throws<ArgumentException>(() => Ensemble.Of([other]));
    }
}
