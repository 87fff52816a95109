using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Training;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static NetworkSpec Circuit() => new(0.1,
    [
        new NeuronSpec("a", Currents:
        [
            new CurrentSpec("intrinsic", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3])),
            new CurrentSpec("syn", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Diagonal, [2, 8]), new MlpSpec([3]), ReversalMv: -80),
        ]),
        new NeuronSpec("b", Currents:
        [
            new CurrentSpec("intrinsic", CurrentKind.Lumped, 1, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3])),
        ]),
    ]);

    [Fact]
    public void SaveThenLoadGivesTheSameModel()
    {
        Dataset data = TeacherForcingTests.Synthetic(6000, neurons: 2);
        var network = new Network(Circuit(), seed: 4);
        new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 2, BatchSize = 1000, ValidateEvery = 0 }).Train();
        string path = Path.Combine(_dir, "m.rmm.json");
        ModelFile.Save(network, path, new Dictionary<string, string> { ["data"] = "synthetic" });
        Network loaded = ModelFile.Load(path);

        Assert.Equal(network.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
        FreeRunResult a = FreeRun.Run(network, data, 100), b = FreeRun.Run(loaded, data, 100);
        Assert.Equal(a.Voltages[0], b.Voltages[0]);
        Assert.Equal(a.Voltages[1], b.Voltages[1]);
        Assert.Contains("\"a/intrinsic.L0.W\"", File.ReadAllText(path));   // human-inspectable, qualified names
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData("{ not json", "not a valid RmmEdge model file")]
    [InlineData("{\"Format\":\"something-else\",\"Version\":1}", "not an RmmEdge float model")]
    public void GarbageIsRefusedWithAReason(string text, string expected)
    {
        string path = Path.Combine(_dir, "bad.rmm.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<UserError>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnotherVersionOrAWrongParameterIsRefused()
    {
        var network = new Network(Circuit(), seed: 1);
        string path = Path.Combine(_dir, "v.rmm.json");
        ModelFile.Save(network, path);
        string text = File.ReadAllText(path);

        File.WriteAllText(path, text.Replace("\"Version\": 1", "\"Version\": 99"));
        Assert.Contains("version 99", Assert.Throws<UserError>(() => ModelFile.Load(path)).Message);

        File.WriteAllText(path, text.Replace("\"a/intrinsic.L0.W\"", "\"a/other.L0.W\""));
        Assert.Contains("expected a/intrinsic.L0.W", Assert.Throws<UserError>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        NetworkSpec spec = Circuit();
        var twice = spec with { Neurons = [spec.Neurons[0], spec.Neurons[0] with { }] };
        Assert.Throws<ArgumentException>(() => new Network(twice, 1));
    }
}
