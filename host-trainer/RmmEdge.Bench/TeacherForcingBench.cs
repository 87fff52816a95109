using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Teacher-forcing throughput for the authors' LP-sized model (one orthonormal bank of 36 states,
/// MLP 37→10→10→10→1 tanh) on 600,000 training samples of 10 kHz data simulated by the built-in STG
/// neuron. Prints samples·epochs per second and GFLOP/s, and two baselines measured in the same run:
/// the same training on one thread, and the dense kernels against their plain scalar definition.
/// </summary>
public static class TeacherForcingBench
{
    public const int TrainingSamples = 600_000;

    /// <summary>Epochs of the PyTorch peer (judged by its median epoch; 0.7–1 s each on 2 cores with Debian's torch).</summary>
    private const int PeerEpochs = 10;

    public static void Run(int epochs, TextWriter output)
    {
        (double peak, string how) = MachinePeak.Measure();
        output.WriteLine($"machine fp32 peak, measured: {peak:0.0} GFLOP/s ({how})");
        var spec = NetworkSpec.SingleNeuron(0.1, hidden: [10, 10, 10]);
        int warmup = new Network(spec, 1).WarmupSamples;
        const double validationFraction = 0.01;
        int split = warmup + TrainingSamples + 1;
        int length = (int)Math.Ceiling(split / (1 - validationFraction)) + 1;
        output.WriteLine($"simulating {length * 0.1 / 1000:0.0} s of the STG neuron at 10 kHz ...");
        Circuit circuit = Circuit.SingleStg();
        circuit.Advance(2000, [0.0]);
        Dataset data = circuit.Record([StimulusSpec.SingleNeuron.Generate(length, 0.1, 1)], 0.1, "bench");

        double all = Measure(spec, data, epochs, validationFraction, Environment.ProcessorCount, output, out int samples);
        int shortEpochs = Math.Max(2, epochs / 10);
        double one = Measure(spec, data, shortEpochs, validationFraction, 1, output, out _);
        double gflops = epochs * (double)samples * ScalingBench.MacsPerSample(new Network(spec, 1)) * 2 / all / 1e9;
        output.WriteLine($"teacher forcing, {epochs} epochs x {samples:N0} samples on {Environment.ProcessorCount} cores: " +
            $"{epochs * (double)samples / all / 1e6:0.00} M samples*epochs/s, " +
            $"{gflops:0.0} GFLOP/s ({100 * gflops / peak:0} % of the measured peak), {all:0.0} s");
        double ours = epochs * (double)samples / all;
        PyTorchPeer.Compare("tf", new Network(spec, 1), data, warmup, samples, PeerEpochs, ours, output);
        output.WriteLine($"peers, quoted (issue 20, same job): PyTorch on 2 cores of its machine 1.10 M samples*epochs/s -> ours {ours / 1.10e6:0.0}x; " +
            $"PyTorch on an NVIDIA H200 12.7 M -> ours {ours / 12.7e6:0.00}x");
        double rateAll = epochs / all, rateOne = shortEpochs / one;
        output.WriteLine($"baseline, 1 thread ({shortEpochs} epochs): {shortEpochs * (double)samples / one / 1e6:0.00} M samples*epochs/s; " +
            $"all cores / 1 thread = {rateAll / rateOne:0.00}x");
        KernelRatios(peak / Environment.ProcessorCount, output);
    }

    private static double Measure(NetworkSpec spec, Dataset data, int epochs, double validationFraction, int threads,
        TextWriter output, out int samples)
    {
        var network = new Network(spec, seed: 1);
        var trainer = new TeacherForcingTrainer(network, data, new TeacherForcingOptions
        {
            Epochs = epochs, ValidateEvery = 0, ValidationFraction = validationFraction, MaxThreads = threads,
        });
        samples = trainer.TrainingSamples;
        var clock = Stopwatch.StartNew();
        TrainingResult result = trainer.Train();
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"  {threads} thread(s): {epochs} epochs in {seconds:0.00} s (epoch median {result.MedianEpochSeconds() * 1000:0.0} ms, fastest {result.EpochSeconds().Min() * 1000:0.0} ms), final loss {result.History[^1].TrainLoss:0.000} (mV/ms)^2");
        return seconds;
    }

    /// <summary>
    /// The blocked SIMD kernels against the plain triple loop that defines them, per layer shape: the kernel
    /// training uses (512-bit where the CPU has it), its <see cref="System.Numerics.Vector{T}"/> twin, and the scalar loop.
    /// </summary>
    private static void KernelRatios(double corePeak, TextWriter output)
    {
        const int batch = 240, reps = 4000;
        var random = new Random(1);
        output.WriteLine($"dense kernels, one core, chunks of {batch} samples ({(DenseKernels.UsesWideVectors ? "512-bit" : "Vector<T>")} path in training):");
        foreach ((int inSize, int outSize) in new[] { (37, 10), (10, 10), (37, 32), (32, 32) })
        {
            float[] w = Fill(random, inSize * outSize), x = Fill(random, inSize * batch), y = new float[outSize * batch];
            float[] delta = Fill(random, outSize * batch), dx = new float[inSize * batch], gw = new float[inSize * outSize];
            double macs = (double)inSize * outSize * batch * reps;
            string Line(string kernel, Action used, Action twin, Action? scalar)
            {
                double a = Time(used, reps), b = Time(twin, reps);
                string s = scalar is null ? "" : $", scalar {macs / Time(scalar, reps / 10) / 10 / 1e9:0.00} GMAC/s";
                return $"  {kernel,-15} {inSize}x{outSize}: {macs / a / 1e9:0.00} GMAC/s = {2 * macs / a / 1e9:0.0} GFLOP/s " +
                    $"({200 * macs / a / 1e9 / corePeak:0} % of a core's peak); Vector<T> twin {macs / b / 1e9:0.00} GMAC/s ({b / a:0.00}x){s}";
            }

            output.WriteLine(Line("forward", () => DenseKernels.Forward(w, [], inSize, outSize, x, batch, y),
                () => DenseKernels.ForwardVector(w, [], inSize, outSize, x, batch, y), () => ScalarForward(w, inSize, outSize, x, batch, y)));
            output.WriteLine(Line("backward input", () => DenseKernels.BackwardInput(w, inSize, outSize, delta, batch, dx),
                () => DenseKernels.BackwardInputVector(w, inSize, outSize, delta, batch, dx), null));
            output.WriteLine(Line("gradients", () => DenseKernels.AccumulateGradients(delta, x, inSize, outSize, batch, gw, []),
                () => DenseKernels.AccumulateGradientsVector(delta, x, inSize, outSize, batch, gw, []), null));
        }
    }

    private static void ScalarForward(float[] w, int inSize, int outSize, float[] x, int batch, float[] y)
    {
        for (int j = 0; j < outSize; j++)
        {
            for (int b = 0; b < batch; b++)
            {
                float acc = 0f;
                for (int k = 0; k < inSize; k++) { acc += w[j * inSize + k] * x[k * batch + b]; }
                y[j * batch + b] = acc;
            }
        }
    }

    private static double Time(Action action, int reps)
    {
        action();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) { action(); }
        return clock.Elapsed.TotalSeconds;
    }

    private static float[] Fill(Random random, int n) => Enumerable.Range(0, n).Select(_ => random.NextSingle() - 0.5f).ToArray();
}
