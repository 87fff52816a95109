using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>
/// Perturbed copies of a model (Network.Perturb, PerturbedCopy) and selection by the worst score over a
/// snapshot and its perturbed copies (teacherForcing.selectionPerturbations).
/// </summary>
public sealed class SelectionPerturbationTests(ITestOutputHelper output)
{
    private static (Network Network, Dataset Data) Trained()
    {
        Dataset data = BuiltInData.Simulate("stg", 8, seed: 2);
        var network = new Network(NetworkSpec.SingleNeuron(data.DtMs, [8, 8]), seed: 1);
        new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 10, ValidateEvery = 0, SlopeWeightScale = 10 }).Train();
        return (network, data);
    }

    [Fact]
    public void APerturbedCopyIsSeededSmallAndLeavesTheOriginalAlone()
    {
        (Network network, _) = Trained();
        float[][] before = network.Snapshot();
        Network a = network.PerturbedCopy(Network.WeightRounding, seed: 1), b = network.PerturbedCopy(Network.WeightRounding, seed: 1);
        Network c = network.PerturbedCopy(Network.WeightRounding, seed: 2);

        Assert.Equal(before, network.Snapshot());
        Assert.Equal(a.Snapshot(), b.Snapshot());
        Assert.NotEqual(a.Snapshot(), c.Snapshot());
        float[] original = before.SelectMany(p => p).ToArray(), perturbed = a.Snapshot().SelectMany(p => p).ToArray();
        double largest = original.Zip(perturbed, (x, y) => x == 0 ? 0 : Math.Abs(y / x - 1)).Max();
        Assert.InRange(largest, 1e-6, 8 * Network.WeightRounding);   // 8 SD of N(0, 1) never comes up in a few thousand draws
        Assert.True(original.Zip(perturbed).Count(p => p.First != p.Second) > original.Length / 2);
    }

    [Fact]
    public void SelectionScoresASnapshotByTheWorstOfItsPerturbedCopiesAndRestoresIt()
    {
        (Network network, Dataset data) = Trained();
        DataSplit split = DataSplit.Of(network, data, 0.1, 0.3, null);
        const double size = 0.05;   // large enough to move this small model's free run
        double Score(Network n, int perturbations) =>
            new SnapshotValidator(n, split.Selection, split.SelectionTransient, SpikeMetricSettings.Lp, SelectionRule.BurstAware, perturbations, size).Validate();

        float[][] before = network.Snapshot();
        double nominal = Score(network, 0);
        double robust = Score(network, 2);
        double[] copies = [Score(network.PerturbedCopy(size, 1), 0), Score(network.PerturbedCopy(size, 2), 0)];
        output.WriteLine($"nominal {nominal:0.0000}, copies {copies[0]:0.0000} / {copies[1]:0.0000}, robust {robust:0.0000}");

        Assert.NotEqual(SnapshotValidator.DivergedScore, nominal);
        Assert.True(copies.Min() < nominal, "the perturbed copies should score worse than the model itself here");
        Assert.Equal(Math.Min(nominal, copies.Min()), robust);
        Assert.Equal(before, network.Snapshot());
        Assert.Equal(nominal, Score(network, 0));
    }

    [Fact]
    public void TheFidelityReportGivesTheModelsOwnSensitivityBesideFixedPoint()
    {
        (Network network, Dataset data) = Trained();
        RmmqModel model = FixedPointRun.Load(Quantizer.Compile(network, 16, out _));
        FidelityReport report = FixedPointRun.Compare(network, model, data, network.WarmupSamples);
        output.WriteLine(report.ToString());

        Assert.Single(report.PerturbedVsFloat);
        Assert.True(report.PerturbedVsFloat[0].RmseMv < 5, $"a 2⁻¹⁵ perturbation moved the free run {report.PerturbedVsFloat[0].RmseMv:G3} mV RMS");
        Assert.Contains("float with parameters × (1 + 2⁻¹⁵·N) vs float (the model's own sensitivity)", report.ToString());
    }
}
