using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.TestSupport;

/// <summary>A small trained model of the simulated STG neuron, shared by the compile tests.</summary>
public sealed class TrainedStgModel
{
    public TrainedStgModel()
    {
        Circuit circuit = Circuit.SingleStg();
        circuit.Advance(3000, [0.0]);
        Data = circuit.Record([StimulusSpec.SingleNeuron.Generate(100_000, 0.1, 3)], 0.1, "stg");
        Spec = new NetworkSpec(0.1,
        [
            new NeuronSpec("stg", Currents:
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, FilterBankSpec.Geometric(0.1, 1.6, 0, 11)), new MlpSpec([12, 12])),
                new CurrentSpec("slow", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [5, 20, 80, 300]), new MlpSpec([6]),
                    Inactivation: new MlpSpec([4]), ReversalMv: -80, ConductanceUs: 0.5),
            ]),
        ]);
        Network = new Network(Spec, seed: 7);
        new TeacherForcingTrainer(Network, Data, new TeacherForcingOptions { Epochs = 15, BatchSize = 8000, ValidateEvery = 0 }).Train();
    }

    public Dataset Data { get; }

    public NetworkSpec Spec { get; }

    public Network Network { get; }
}
