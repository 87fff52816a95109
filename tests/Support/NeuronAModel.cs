using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.TestSupport;

/// <summary>
/// The model of neuron A trained once per test run (120 teacher-forcing epochs on the 60 s training
/// file of shared/data/synthetic, seed 1), shared by the tests that need a bursting model. Skips the
/// calling test when the shared data is absent.
/// </summary>
public static class NeuronAModel
{
    private static readonly Lazy<(Network Network, Dataset Test)> Trained = new(() =>
    {
        Dataset train = Dataset.FromRecording(CsvRecordingReader.Read(SharedData.File("synthetic/neuronA_train_60s_clean.csv.gz")));
        Dataset test = Dataset.FromRecording(CsvRecordingReader.Read(SharedData.File("synthetic/neuronA_test_20s_clean.csv.gz")));
        var network = new Network(NetworkSpec.SingleNeuron(train.DtMs), seed: 1);
        new TeacherForcingTrainer(network, train, new TeacherForcingOptions { Epochs = 120, Seed = 1 }).Train();
        return (network, test);
    });

    public static Network Network
    {
        get
        {
            SharedData.File("synthetic/neuronA_train_60s_clean.csv.gz");   // skips without the shared data
            return Trained.Value.Network;
        }
    }

    public static Dataset Test => Trained.Value.Test;
}
