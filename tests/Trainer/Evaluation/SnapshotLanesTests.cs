using RmmEdge.Rig.Neurons;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Evaluation;

/// <summary>
/// Side-by-side free runs of several snapshots (<see cref="SnapshotLanes"/>) are, lane by lane, the scalar
/// free run of each snapshot bit for bit: voltages, ψ and the divergence flag, on recorded data (with an
/// external neuron and a synapse from it) and from rest.
/// </summary>
public sealed class SnapshotLanesTests
{
    private static readonly Lazy<Dataset> Stg = new(() =>
    {
        Circuit circuit = Circuit.SingleStg();
        circuit.Advance(1000, [0.0]);
        return circuit.Record([StimulusSpec.SingleNeuron.Generate(15_000, 0.1, 5)], 0.1, "stg");
    });

    /// <summary>A single neuron trained a few epochs on the STG record (so that it spikes), and perturbed copies of it.</summary>
    private static (Network Network, List<float[][]> Snapshots) TrainedSingle(int count, int hidden)
    {
        var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [hidden, hidden], tauMs: FilterBankSpec.Geometric(0.1, 1.5, 0, 13)), seed: 3);
        new TeacherForcingTrainer(network, Stg.Value, new TeacherForcingOptions { Epochs = 6, BatchSize = 4000, ValidateEvery = 0 }).Train();
        return (network, Snapshots(network, count));
    }

    /// <summary>Snapshot 0 as trained, the others perturbed by 5 %; the fourth by 300 %, so that it diverges.</summary>
    private static List<float[][]> Snapshots(Network network, int count)
    {
        float[][] trained = network.Snapshot();
        var snapshots = new List<float[][]> { trained };
        for (int s = 1; s < count; s++)
        {
            network.Perturb(s == 3 ? 3.0 : 0.05, seed: s);
            snapshots.Add(network.Snapshot());
            network.Restore(trained);
        }

        return snapshots;
    }

    [SkippableTheory]
    [InlineData(8, 10)]
    [InlineData(3, 7)]
    [InlineData(1, 12)]
    public void EachLaneIsTheScalarFreeRunBitForBit(int count, int hidden)
    {
        Skip.IfNot(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "no 256-bit vectors on this machine: selection runs one snapshot at a time");
        (Network network, List<float[][]> snapshots) = TrainedSingle(count, hidden);
        Dataset data = Stg.Value;
        var lanes = new SnapshotLanes(network);
        lanes.Load(snapshots);
        FreeRunResult[] side = lanes.Run(data, warmup: 2000);
        Assert.Equal(count, side.Length);
        for (int s = 0; s < count; s++)
        {
            network.Restore(snapshots[s]);
            FreeRunResult alone = FreeRun.Run(network, data, warmup: 2000);
            AssertSame(alone, side[s], $"snapshot {s}");
        }

        if (count > 3)
        {
            Assert.True(side[3].Diverged, "the 300 % perturbation should diverge");
            Assert.Contains(side, r => !r.Diverged);
        }
    }

    [SkippableFact]
    public void FromRestEachLaneIsTheScalarRunBitForBit()
    {
        Skip.IfNot(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "no 256-bit vectors on this machine");
        (Network network, List<float[][]> snapshots) = TrainedSingle(5, 10);
        var lanes = new SnapshotLanes(network);
        lanes.Load(snapshots);
        float[][][] side = lanes.RunFromRest(0.2, [-60f], settle: 500, samples: 8000);
        for (int s = 0; s < snapshots.Count; s++)
        {
            network.Restore(snapshots[s]);
            float[][] alone = ConstantCurrentResponse.RunFromRest(network, 0.2, [-60f], 500, 8000);
            Assert.Equal(Bits(alone[0]), Bits(side[s][0]));
        }
    }

    /// <summary>
    /// Every path of the lane step: an external neuron, a gating synapse from it, a gating current with
    /// inactivation and a trained reversal, a lumped current on both bank kinds, and one without the post voltage.
    /// </summary>
    [SkippableFact]
    public void AnExternalNeuronSynapsesAndGatingCurrentsRunAsInTheScalarRunner()
    {
        Skip.IfNot(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "no 256-bit vectors on this machine");
        NetworkSpec circuit = TestNetworks.Circuit(1).Spec;
        NeuronSpec model = circuit.Neurons[1];
        var spec = circuit with
        {
            Neurons =
            [
                circuit.Neurons[0],
                model with
                {
                    Currents =
                    [
                        .. model.Currents!,
                        new CurrentSpec("noPost", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Diagonal, [3, 11, 40]), new MlpSpec([5]), UsesPostVoltage: false),
                    ],
                },
            ],
        };
        var network = new Network(spec, seed: 4);
        TestNetworks.FitFixedRanges(network);
        Assert.True(SnapshotLanes.Supports(network));
        List<float[][]> snapshots = Snapshots(network, 6);
        Dataset stg = Stg.Value;
        Dataset pair = new("pair", stg.DtMs, [stg.Neurons[0] with { Name = "bio" }, new NeuronTrace("model", stg.Neurons[0].V, stg.Neurons[0].I)]);
        var lanes = new SnapshotLanes(network);
        lanes.Load(snapshots);
        FreeRunResult[] side = lanes.Run(pair, warmup: 1000);
        for (int s = 0; s < snapshots.Count; s++)
        {
            network.Restore(snapshots[s]);
            AssertSame(FreeRun.Run(network, pair, warmup: 1000), side[s], $"snapshot {s}");
        }
    }

    /// <summary>The half-centre's network (two modelled neurons, gating synapses both ways), from rest and on data.</summary>
    [SkippableFact]
    public void APairRunsAsInTheScalarRunner()
    {
        Skip.IfNot(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "no 256-bit vectors on this machine");
        var network = new Network(NetworkSpec.Pair(0.1, hidden: [8, 8]), seed: 2);
        TestNetworks.FitFixedRanges(network);
        List<float[][]> snapshots = Snapshots(network, 8);
        Dataset stg = Stg.Value;
        float[] shifted = stg.Neurons[0].I.Skip(700).Concat(stg.Neurons[0].I.Take(700)).ToArray();
        Dataset pair = new("pair", stg.DtMs, [stg.Neurons[0] with { Name = "neuron1" }, new NeuronTrace("neuron2", stg.Neurons[0].V, shifted)]);
        var lanes = new SnapshotLanes(network);
        lanes.Load(snapshots);
        FreeRunResult[] side = lanes.Run(pair, warmup: 1000);
        float[][][] rest = lanes.RunFromRest(0.1, [-60f, -55f], settle: 300, samples: 5000);
        for (int s = 0; s < snapshots.Count; s++)
        {
            network.Restore(snapshots[s]);
            AssertSame(FreeRun.Run(network, pair, warmup: 1000), side[s], $"snapshot {s}");
            float[][] alone = ConstantCurrentResponse.RunFromRest(network, 0.1, [-60f, -55f], 300, 5000);
            for (int i = 0; i < 2; i++) { Assert.Equal(Bits(alone[i]), Bits(rest[s][i])); }
        }
    }

    /// <summary>
    /// Selection scores a batch of snapshots side by side exactly as it scores each alone: the same free runs,
    /// metric and constant-current check, so the same scores to the last bit.
    /// </summary>
    [SkippableFact]
    public void ABatchOfSnapshotsScoresAsEachAlone()
    {
        Skip.IfNot(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "no 256-bit vectors on this machine");
        (Network network, List<float[][]> snapshots) = TrainedSingle(7, 10);
        var check = new ConstantCurrentCheck(0, FiringPattern.Bursting, PeriodMs: 840, SpikesPerBurst: 10);
        Dataset data = Stg.Value;
        SnapshotValidator Validator() => new(network, data, Transient.For(network, data, 100), SpikeMetricSettings.Lp, SelectionRule.BurstAware, check: check);
        SnapshotValidator batched = Validator();
        Assert.Equal(SnapshotLanes.Lanes, batched.BatchSize);
        double[] side = batched.ValidateBatch(snapshots);
        SnapshotValidator alone = Validator();
        double[] each = snapshots.Select(s =>
        {
            network.Restore(s);
            return alone.Validate();
        }).ToArray();
        Assert.Equal(each, side);
        Assert.Contains(each, score => score == SnapshotValidator.DivergedScore);
        Assert.Contains(each, score => score != SnapshotValidator.DivergedScore);
    }

    /// <summary>
    /// Beside training, snapshots submitted one by one come back once each, in epoch order, with the score each
    /// gets alone: in batches of eight, and one at a time where the validator perturbs (no side-by-side runs).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void SelectionBesideTrainingReturnsEveryScoreInOrder(int perturbations)
    {
        (Network network, List<float[][]> snapshots) = TrainedSingle(7, 8);
        snapshots = [.. snapshots, .. snapshots, .. snapshots.Take(5)];   // 19: two full batches and a partial one
        Dataset data = Stg.Value;
        SnapshotValidator Validator(Network n) => new(n, data, Transient.For(n, data, 100), SpikeMetricSettings.Lp, SelectionRule.BurstAware, perturbations);
        var selection = new BackgroundSelection(network, Validator);
        Assert.Equal(perturbations == 0 && SnapshotLanes.Supports(network) ? SnapshotLanes.Lanes : 1, selection.BatchSize);
        var scored = new List<BackgroundSelection.Scored>();
        for (int s = 0; s < snapshots.Count; s++)
        {
            scored.AddRange(selection.Submit(5 * s, snapshots[s]));
            Assert.True(selection.PendingEpoch < 0 || selection.PendingEpoch == 5 * scored.Count, "pending is the first epoch not yet scored");
        }

        scored.AddRange(selection.Finish());
        Assert.Equal(-1, selection.PendingEpoch);
        Assert.Equal(Enumerable.Range(0, snapshots.Count).Select(s => 5 * s), scored.Select(x => x.Epoch));
        SnapshotValidator alone = Validator(network);
        for (int s = 0; s < snapshots.Count; s++)
        {
            Assert.Same(snapshots[s], scored[s].Snapshot);
            network.Restore(snapshots[s]);
            Assert.Equal(alone.Validate(), scored[s].Score);
        }
    }

    [Fact]
    public void NetworksWithSpikeActivityBanksRunOneSnapshotAtATime()
    {
        Assert.False(SnapshotLanes.Supports(TestNetworks.ActivityCircuit(1)));
        Assert.False(SnapshotLanes.Supports(new Network(NetworkSpec.SingleNeuronWithActivity(0.1), seed: 1)));
        Assert.True(SnapshotLanes.Supports(TestNetworks.Circuit(1)) || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);
    }

    private static void AssertSame(FreeRunResult expected, FreeRunResult actual, string what)
    {
        Assert.Equal(expected.Start, actual.Start);
        Assert.True(expected.Diverged == actual.Diverged, $"{what}: diverged {actual.Diverged}, expected {expected.Diverged}");
        for (int i = 0; i < expected.Voltages.Length; i++) { Assert.Equal(Bits(expected.Voltages[i]), Bits(actual.Voltages[i])); }
        for (int c = 0; c < expected.Currents.Length; c++) { Assert.Equal(Bits(expected.Currents[c]), Bits(actual.Currents[c])); }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
