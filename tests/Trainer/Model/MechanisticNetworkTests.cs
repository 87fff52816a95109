using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>The "single-mechanistic" network (NetworkSpec.SingleNeuronMechanistic): named conductance-based currents beside a lumped fast one.</summary>
public sealed class MechanisticNetworkTests
{
    [Fact]
    public void ItHasTheAuthorsPdCurrentsTrainsAndCompilesWithAFaithfulFixedPointStep()
    {
        NetworkSpec spec = new TrainingConfig { Network = "single-mechanistic", Hidden = [8, 6] }.BuildSpec(0.1, 1);
        CurrentSpec[] currents = spec.Neurons[0].Currents!;
        Assert.Equal(["fast", "K", "Ca", "H", "KCa"], currents.Select(c => c.Name));
        Assert.Equal(CurrentKind.Lumped, currents[0].Kind);
        Assert.Equal([8, 6], currents[0].Mlp.Hidden);
        Assert.All(currents[1..], c => Assert.Equal(CurrentKind.Gating, c.Kind));
        Assert.Equal([-80.0, 120, -10, -80], currents[1..].Select(c => c.ReversalMv));
        Assert.NotNull(currents[2].Inactivation);             // Ca inactivates
        Assert.True(currents[3].ActivationFlipped);           // H opens on hyperpolarisation
        Assert.Equal(BankInput.SpikeActivity, currents[4].Input);   // KCa follows spiking, as calcium does
        Assert.True(currents[3].Bank.TauMs.Max() > 600 && currents[0].Bank.TauMs.Max() < 11);

        Dataset data = BuiltInData.Simulate("stg", 8, seed: 3);
        var network = new Network(spec, seed: 1);
        new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 3, ValidateEvery = 0 }).Train();
        Assert.All(network.Parameters, p => Assert.All(p.Value, v => Assert.True(float.IsFinite(v), p.Name)));
        RmmEdge.SharedModel.Format.RmmqModel model = FixedPointRun.Load(Quantizer.Compile(network, 16, out _));
        Assert.Equal(2, model.Version);
        FidelityReport fidelity = FixedPointRun.Compare(network, model, data, network.WarmupSamples);
        Assert.True(fidelity.OneStepCurrentMaxNa < 0.1, fidelity.ToString());
        Assert.True(fidelity.OneStepVoltageMaxMv < 0.05, fidelity.ToString());
    }
}
