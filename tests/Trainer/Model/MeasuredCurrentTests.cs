using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

/// <summary>
/// Currents into measured (external) neurons: a hybrid circuit's model synapse onto the biological cell.
/// They are evaluated and compiled, never integrated, never trained, and are taken over by name from a
/// trained circuit.
/// </summary>
public sealed class MeasuredCurrentTests
{
    [Fact]
    public void AHybridCircuitTakesItsModelSynapseFromATrainedPairAndComputesItsCurrent()
    {
        var pair = new Network(NetworkSpec.Pair(0.1, hidden: [5]), seed: 1);
        TestNetworks.FitFixedRanges(pair);

        var hybrid = new Network(NetworkSpec.Pair(0.1, hidden: [5], externalSecond: true), seed: 99);
        Assert.Empty(hybrid.CopyFrom(pair));   // every hybrid parameter exists in the trained pair
        Assert.Equal(["neuron2/syn"], hybrid.MeasuredCurrents.Select(c => c.QualifiedName));
        Assert.DoesNotContain(hybrid.TrainableParameters, p => p.Name.StartsWith("neuron2/", StringComparison.Ordinal));
        Assert.Equal(pair.Parameters.First(p => p.Name.StartsWith("neuron2/syn", StringComparison.Ordinal)).Value,
            hybrid.Parameters.First(p => p.Name.StartsWith("neuron2/syn", StringComparison.Ordinal)).Value);

        Dataset data = TeacherForcingTests.Synthetic(30_000, neurons: 2);
        FreeRunResult run = FreeRun.Run(hybrid, data, hybrid.WarmupSamples);
        Assert.Equal(data.Neurons[1].V.Skip(run.Start), run.Voltages[1]);   // the measured cell is never integrated
        int syn = Array.FindIndex(hybrid.Currents, c => c.QualifiedName == "neuron2/syn");
        Assert.Contains(run.Currents[syn], psi => psi != 0f);

        // Compiled, the synapse onto the measured cell is a current of the fixed-point model too.
        var model = FixedPointRun.Load(Quantizer.Compile(hybrid, 16, out _));
        Assert.True(model.External[1]);
        Assert.Contains(1, model.Owner);
    }
}
