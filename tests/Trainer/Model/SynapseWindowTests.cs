using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Training;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>
/// A synapse's input window (CurrentSpec.InputWindowMv): the normalised states span the window, not
/// the data's range; it survives a save and load; it is refused where it has no meaning.
/// </summary>
public sealed class SynapseWindowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-window-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheWindowSetsTheNormalisationAndSurvivesAFile()
    {
        Dataset data = TeacherForcingTests.Synthetic(40_000, neurons: 2);   // the intrinsic banks need 2.2 s of warm-up
        var network = new Network(NetworkSpec.Pair(0.1, [4], synapseWindowMv: new MvRange(-60, -30)), seed: 2);
        new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 1, BatchSize = 10_000, ValidateEvery = 0 }).Train();
        var synapse = (GatingCurrent)network.Currents.First(c => c.Name == "syn");

        // Every state maps −60 mV to −1 and −30 mV to +1; beyond, the input saturates.
        Assert.All(synapse.Normalizer.Center, c => Assert.Equal(-45f, c, 4));
        Assert.All(synapse.Normalizer.Scale, s => Assert.Equal(1f / 15, s, 6));
        float[] x = Enumerable.Repeat(-20f, synapse.Bank.Size).ToArray(), z = new float[x.Length];
        synapse.Normalize(x, z);
        Assert.All(z, v => Assert.Equal(InputNormalizer.Limit, v));

        string path = Path.Combine(_dir, "pair.rmm.json");
        ModelFile.Save(network, path);
        var loaded = (GatingCurrent)ModelFile.Load(path).Currents.First(c => c.Name == "syn");
        Assert.Equal(new MvRange(-60, -30), loaded.Spec.InputWindowMv);
        Assert.Equal(synapse.Normalizer.Center, loaded.Normalizer.Center);
    }

    [Fact]
    public void AWindowIsRefusedWhereItHasNoMeaning()
    {
        var orthonormal = new CurrentSpec("syn", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Orthonormal, [1, 3]), new MlpSpec([3]),
            ReversalMv: -80, InputWindowMv: new MvRange(-60, -30));
        var spec = new NetworkSpec(0.1, [new NeuronSpec("a", Currents: [orthonormal]), new NeuronSpec("b", External: true)]);
        Assert.Throws<ArgumentException>(() => new Network(spec, seed: 1));

        var single = new TrainingConfig { Network = "single", SynapseWindowMv = [-60, -30] };
        Assert.Contains("applies to circuits", Assert.Throws<UserError>(() => single.BuildSpec(0.1, 1)).Message);
        var reversed = new TrainingConfig { Network = "pair", SynapseWindowMv = [-30, -60] };
        Assert.Contains("low < high", Assert.Throws<UserError>(() => reversed.BuildSpec(0.1, 2)).Message);
    }
}
