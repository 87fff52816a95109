using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>
/// A circuit fitted in two records, as a lab with a blocker does: the cells' own currents on a record with the synapses blocked,
/// then, with those held, the synapses alone on the intact circuit (TrainingPipeline.Run's cellsAlone, Network.AdoptIntrinsic).
/// </summary>
public sealed class CellsAloneTests
{
    private static readonly TrainingConfig Small = new() { Network = "pair", Hidden = [5], TeacherForcing = new TeacherForcingOptions { Epochs = 2 } };

    /// <summary>A half-centre recorded with its synapses blocked (stimulus seed 3) and intact (seed 1), 5 s each; read only.</summary>
    private static readonly Dataset Blocked = BuiltInData.Simulate("hco", 5, 3, synapseUs: 0), Intact = BuiltInData.Simulate("hco", 5, 1);

    private static float[][] Values(IEnumerable<Parameter> parameters) => parameters.Select(p => (float[])p.Value.Clone()).ToArray();

    /// <summary>What <see cref="Network.AdoptIntrinsic"/> holds: each modelled neuron's capacitance, leak and own currents.</summary>
    private static Parameter[] Held(Network network) => network.Models.SelectMany(m => new[] { m.InverseCapacitanceRaw, m.LeakConductanceRaw, m.LeakReversal }
        .Concat(m.Currents.Where(c => !c.IsSynapse).SelectMany(c => c.Parameters))).ToArray();

    [Fact]
    public void WithoutSynapsesEachCellKeepsItsOwnCurrents()
    {
        NetworkSpec pair = Small.BuildSpec(0.1, 2);
        NetworkSpec alone = pair.WithoutSynapses();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(pair.Neurons[i].Currents!.Where(c => c.Source == i), alone.Neurons[i].Currents!);
            Assert.Contains(pair.Neurons[i].Currents!, c => c.Source != i);
        }
    }

    [Fact]
    public void TheSynapsesAloneAreFittedAndTheHeldCellsStayAsTheyWereFitted()
    {
        NetworkSpec spec = Small.BuildSpec(Intact.DtMs, 2);
        var cells = new Network(spec.WithoutSynapses(), seed: 1);
        new TeacherForcingTrainer(cells, Blocked, Small.TeacherForcing).Train();

        var network = new Network(spec, seed: 1);
        network.AdoptIntrinsic(cells);
        Current[] own = network.Currents.Where(c => !c.IsSynapse).ToArray();
        Parameter[] held = Held(network);
        Assert.Equal(Values(cells.Parameters), Values(held));
        Assert.Equal(network.Currents.Where(c => c.IsSynapse).SelectMany(c => c.Parameters), network.TrainableParameters);
        float[][] heldBefore = Values(held), synapsesBefore = Values(network.TrainableParameters);
        float[][] normalisation = own.SelectMany(c => new[] { (float[])c.Normalizer.Center.Clone(), (float[])c.Normalizer.Scale.Clone() }).ToArray();
        float[] scales = own.OfType<LumpedCurrent>().Select(c => c.OutputScale).ToArray();

        new TeacherForcingTrainer(network, Intact, Small.TeacherForcing).Train();

        Assert.Equal(heldBefore, Values(held));
        Assert.Equal(normalisation, own.SelectMany(c => new[] { c.Normalizer.Center, c.Normalizer.Scale }));
        Assert.Equal(scales, own.OfType<LumpedCurrent>().Select(c => c.OutputScale));
        Assert.NotEqual(synapsesBefore, Values(network.TrainableParameters));
    }

    /// <summary>Multiple shooting after a cells-alone fit trains what teacher forcing did (the synapses), and the cells stay as they were fitted alone.</summary>
    [Fact]
    public void MultipleShootingAfterwardsMovesOnlyTheSynapses()
    {
        TrainingConfig config = Small with { MultipleShooting = new MultipleShootingOptions { Epochs = 2, ShotsPerBatch = 64 } };
        var alone = TrainingPipeline.Run(config with { MultipleShooting = null }, Intact, cellsAlone: Blocked);
        PipelineResult run = TrainingPipeline.Run(config, Intact, cellsAlone: Blocked);

        Assert.NotNull(run.MultipleShooting);
        Network before = alone.Network, after = run.Network;
        Assert.Equal(Values(Held(before)), Values(Held(after)));
        Assert.NotEqual(Values(before.TrainableParameters), Values(after.TrainableParameters));
    }

    /// <summary>Where the intact circuit fires (--fires-at) says nothing of the cells uncoupled, so the cells' stage is not penalised by it; the synapses' stage is.</summary>
    [Fact]
    public void TheCircuitsFiringPenaltyIsNotAppliedToTheCellsAlone()
    {
        TrainingConfig config = Small with { TeacherForcing = Small.TeacherForcing with { FiresAtNa = [0f] } };
        PipelineResult run = TrainingPipeline.Run(config, Intact, cellsAlone: Blocked);

        Assert.Equal("", run.CellsAlone!.RestStability);
        Assert.StartsWith("firing stability", run.TeacherForcing.RestStability);
    }

    [Fact]
    public void TheCellsAloneRecordIsForACircuit()
    {
        Dataset cell = BuiltInData.Simulate("stg", 3, 1);
        var error = Assert.Throws<RmmEdge.Rig.UserError>(() => TrainingPipeline.Run(Small with { Network = "single" }, cell, cellsAlone: cell));
        Assert.Contains("has no synapse", error.Message);
    }
}
