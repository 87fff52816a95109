using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>The bank input BankInput.SpikeActivity: used wherever banks are driven, compiled to format version 2 (its multiple-shooting gradients: MultipleShootingTests; the C twin: KernelTwinTests).</summary>
public sealed class SpikeActivityBankTests
{
    private static NetworkSpec WithActivity(double dtMs, double thresholdMv = CurrentSpec.SpikeThresholdMv, double slopeMv = CurrentSpec.SpikeSlopeMv) => new(dtMs,
    [
        new NeuronSpec("neuron", Currents:
        [
            NetworkSpec.Intrinsic(0, [6]),
            new CurrentSpec("activity", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Diagonal, FilterBankSpec.Geometric(1, 2, 0, 6)), new MlpSpec([4]),
                Input: BankInput.SpikeActivity, ActivityThresholdMv: thresholdMv, ActivitySlopeMv: slopeMv),
        ]),
    ]);

    [Fact]
    public void TheActivityIsNearZeroBetweenSpikesAndNearOneAtTheirPeak()
    {
        CurrentSpec spec = WithActivity(0.1).Neurons[0].Currents![1];
        Assert.True(spec.Drive(-60f) < 1e-5f);
        Assert.True(spec.Drive(-35f) < 0.01f);
        Assert.Equal(0.5f, spec.Drive(-20f), 6);
        Assert.True(spec.Drive(20f) > 0.999f);
        Assert.Equal(-47.5f, WithActivity(0.1).Neurons[0].Currents![0].Drive(-47.5f));   // a voltage bank sees the voltage

        // A graded-release activity: its own threshold and slope.
        CurrentSpec graded = WithActivity(0.1, -35, 5).Neurons[0].Currents![1];
        Assert.Equal(0.5f, graded.Drive(-35f), 6);
        Assert.Equal(1f / (1f + MathF.Exp(-1f)), graded.Drive(-30f), 6);
    }

    [Theory]
    [InlineData(-20, 0)]
    [InlineData(-20, -1)]
    [InlineData(double.NaN, 3)]
    public void AnActivityWithoutAPositiveSlopeOrAFiniteThresholdIsRefused(double thresholdMv, double slopeMv)
    {
        var error = Assert.Throws<ArgumentException>(() => new Network(WithActivity(0.1, thresholdMv, slopeMv), seed: 1));
        Assert.Contains("neuron/activity", error.Message);
    }

    [Fact]
    public void TeacherForcingAndTheSimulatorDriveTheBankWithTheActivity()
    {
        Dataset data = BuiltInData.Simulate("stg", 3, seed: 1);
        var network = new Network(WithActivity(data.DtMs), seed: 1);
        Current activity = network.Currents.Single(c => c.Name == "activity");
        var problem = new TeacherForcingProblem(network.Models[0], data, network.WarmupSamples);

        // Teacher forcing normalised the bank states it computed: the centres must be those of the
        // activity-driven states (spike counts, 0…1 scale), not of voltage-driven ones (around −50 mV).
        int size = activity.Bank.Size;
        float[] expected = new float[data.Length * size];
        activity.Bank.Run(Array.ConvertAll(data.Neurons[0].V, activity.Spec.Drive), expected);
        float[] center = activity.Normalizer.Center;
        for (int i = 0; i < size; i++)
        {
            float min = float.MaxValue, max = float.MinValue;
            foreach (int k in problem.Samples)
            {
                min = Math.Min(min, expected[k * size + i]);
                max = Math.Max(max, expected[k * size + i]);
            }

            Assert.Equal(0.5f * (min + max), center[center.Length - size + i], 5);
            Assert.InRange(center[center.Length - size + i], 0f, 1f);
        }

        var simulator = new NetworkRunner(network);
        simulator.Reset([30f]);   // at a spike's peak the activity is ≈1, so every diagonal state starts at ≈its DC gain × 1
        float[] steady = new float[activity.Bank.Size];
        activity.Bank.SteadyState(activity.Spec.Drive(30f), steady);
        Assert.Equal(steady, simulator.BankState(1));
    }

    /// <summary>
    /// The compiler writes an activity bank as format version 2 (a voltage-only model stays version 1),
    /// and the integer kernel's table sigmoid follows the float logistic: one step from measured
    /// states, Σψ within 0.1 nA and the next voltage within 0.05 mV of the float model's.
    /// </summary>
    [Theory]
    [InlineData(CurrentSpec.SpikeThresholdMv, CurrentSpec.SpikeSlopeMv)]
    [InlineData(-35, 5)]
    public void TheCompilerWritesFormatTwoAndTheFixedPointModelFollowsTheFloatOne(double thresholdMv, double slopeMv)
    {
        Dataset data = BuiltInData.Simulate("stg", 8, seed: 3);
        var network = new Network(WithActivity(data.DtMs, thresholdMv, slopeMv), seed: 1);
        new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 3, ValidateEvery = 0 }).Train();
        byte[] file = Quantizer.Compile(network, 16, out _);
        RmmqModel model = FixedPointRun.Load(file);
        Assert.Equal(2, model.Version);
        Assert.Equal((int)BankInputCode.SpikeActivity, model.BankInput[1]);
        Assert.Equal(Quantizer.Q(thresholdMv, 16), model.ActivityCenter[1]);
        Assert.Equal(1, FixedPointRun.Load(Quantizer.Compile(new Network(NetworkSpec.SingleNeuron(data.DtMs, [6]), seed: 1), 16, out _)).Version);

        FidelityReport fidelity = FixedPointRun.Compare(network, model, data, network.WarmupSamples);
        Assert.True(fidelity.OneStepCurrentMaxNa < 0.1, fidelity.ToString());
        Assert.True(fidelity.OneStepVoltageMaxMv < 0.05, fidelity.ToString());
    }

    [Fact]
    public void AModelFileKeepsTheBankInput()
    {
        var network = new Network(WithActivity(0.1), seed: 1);
        string path = Path.Combine(Path.GetTempPath(), $"activity-{Guid.NewGuid():N}.rmm.json");
        try
        {
            ModelFile.Save(network, path);
            Network loaded = ModelFile.Load(path);
            Assert.Equal(BankInput.SpikeActivity, loaded.Currents.Single(c => c.Name == "activity").Spec.Input);
            Assert.Equal(BankInput.Voltage, loaded.Currents.Single(c => c.Name == "intrinsic").Spec.Input);

            var graded = new Network(WithActivity(0.1, -35, 5), seed: 1);
            ModelFile.Save(graded, path);
            CurrentSpec kept = ModelFile.Load(path).Currents.Single(c => c.Name == "activity").Spec;
            Assert.Equal((-35.0, 5.0), (kept.ActivityThresholdMv, kept.ActivitySlopeMv));

            // A file written before the threshold and slope were stored reads with the spike defaults.
            string older = string.Join('\n', File.ReadAllLines(path).Where(line => !line.Contains("\"ActivityThresholdMv\"") && !line.Contains("\"ActivitySlopeMv\"")));
            Assert.NotEqual(File.ReadAllText(path).Length, older.Length);
            File.WriteAllText(path, System.Text.RegularExpressions.Regex.Replace(older, @",(\s*)}", "$1}"));   // the comma the removed lines leave
            kept = ModelFile.Load(path).Currents.Single(c => c.Name == "activity").Spec;
            Assert.Equal((CurrentSpec.SpikeThresholdMv, CurrentSpec.SpikeSlopeMv), (kept.ActivityThresholdMv, kept.ActivitySlopeMv));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
