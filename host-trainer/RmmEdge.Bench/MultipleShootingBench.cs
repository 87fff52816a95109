using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Multiple-shooting throughput for the authors' LP-sized model (orthonormal bank of 36 states, MLP
/// 37→10→10→10→1 tanh) on 600,000 training samples of 10 kHz data from the built-in STG neuron, with
/// the authors' LP–PD settings (shots of 30 samples, 1,280 shots per mini-batch). Prints samples per
/// second through forward simulation and back-propagation through time, and, measured in the same
/// run, teacher forcing on the same data and model as the baseline (the ratio says what a
/// multiple-shooting epoch costs in teacher-forcing epochs), and one thread against all cores.
/// </summary>
public static class MultipleShootingBench
{
    /// <summary>Epochs of the PyTorch peer (judged by its median epoch).</summary>
    private const int PeerEpochs = 5;

    public static void Run(int epochs, TextWriter output)
    {
        var spec = NetworkSpec.SingleNeuron(0.1, hidden: [10, 10, 10]);
        int warmup = new Network(spec, 1).WarmupSamples;
        const double validationFraction = 0.01;
        int length = (int)Math.Ceiling((warmup + TeacherForcingBench.TrainingSamples + 1) / (1 - validationFraction)) + 1;
        output.WriteLine($"simulating {length * 0.1 / 1000:0.0} s of the STG neuron at 10 kHz ...");
        Circuit circuit = Circuit.SingleStg();
        circuit.Advance(2000, [0.0]);
        Dataset data = circuit.Record([StimulusSpec.SingleNeuron.Generate(length, 0.1, 1)], 0.1, "bench");

        var network = new Network(spec, seed: 1);
        var tf = new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 5, ValidateEvery = 0, ValidationFraction = validationFraction });
        double tfRate = tf.TrainingSamples / tf.Train().MedianEpochSeconds();

        (double all, double allMedian) = Measure(network, data, epochs, validationFraction, Environment.ProcessorCount, output, out long samples);
        (_, double oneMedian) = Measure(network, data, 3, validationFraction, 1, output, out _);
        double msRate = samples / allMedian;
        output.WriteLine($"multiple shooting, {epochs} epochs x {samples:N0} samples (shots of 30, 1,280 per batch) on {Environment.ProcessorCount} cores: " +
            $"{msRate / 1e6:0.000} M samples*epochs/s (median epoch {allMedian:0.000} s); the whole run with its set-up and the JIT's warm-up " +
            $"{epochs * (double)samples / all / 1e6:0.000} M ({all:0.00} s)");
        output.WriteLine($"baseline, teacher forcing on the same model and data (median of 5 epochs): {tfRate / 1e6:0.00} M samples*epochs/s; " +
            $"one MS epoch costs {tfRate / msRate:0.0} TF epochs");
        PyTorchPeer.Compare("ms", new Network(spec, 1), data, warmup, tf.TrainingSamples, PeerEpochs, msRate, output);
        output.WriteLine($"peers, quoted (issue 20, same job): PyTorch on 2 cores of its machine 0.77 M -> ours {msRate / 0.77e6:0.0}x; " +
            $"PyTorch on an NVIDIA H200 1.22 M -> ours {msRate / 1.22e6:0.0}x");
        output.WriteLine($"baseline, 1 thread (median of 3 epochs): {samples / oneMedian / 1e6:0.000} M samples*epochs/s; all cores / 1 thread = {oneMedian / allMedian:0.00}x");
    }

    private static (double Seconds, double MedianEpochSeconds) Measure(Network network, Dataset data, int epochs, double validationFraction, int threads, TextWriter output, out long samples)
    {
        var trainer = new MultipleShootingTrainer(network, data, new MultipleShootingOptions
        {
            Epochs = epochs, ValidateEvery = 0, ValidationFraction = validationFraction, MaxThreads = threads,
        });
        var clock = Stopwatch.StartNew();
        TrainingResult result = trainer.Train();
        double seconds = clock.Elapsed.TotalSeconds;
        samples = result.TrainingSamples;
        output.WriteLine($"  {threads} thread(s): {epochs} epochs in {seconds:0.00} s, final loss {result.History[^1].TrainLoss:G4}");
        return (seconds, result.MedianEpochSeconds());
    }
}
