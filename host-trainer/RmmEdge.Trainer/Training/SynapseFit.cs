using System.Collections.Concurrent;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Designs a model synapse: fits a conductance-based RMM synapse g·a(x)·(v_post − E), x the filtered
/// presynaptic voltage, to a specified graded synapse (the artificial synapses of a hybrid circuit or
/// dynamic-clamp experiment are designed, not measured). The graded synapse is simulated on a
/// presynaptic voltage trace to get its activation s(t); g and E are set to the design's; the
/// activation MLP a (monotone by its sign constraints) is fitted to s by least squares with Adam. The
/// result runs on the board like any model current.
/// </summary>
public static class SynapseFit
{
    public const int ChunkSize = 256;

    /// <summary>
    /// The presynaptic voltage to fit a half-centre's synapse on: cell 1 of the built-in reference
    /// half-centre (two neuron-A cells, <see cref="Circuit.HalfCentre"/>) with the design's conductance,
    /// spontaneous, after 10 s of settling. The activation a(x) of linearly filtered voltages can follow
    /// the graded synapse's s only approximately, so it should be fitted in the regime it will work in:
    /// on neuron A's noise-and-steps test record the fit misses s by RMS 0.216 (a sits at 0.1–0.2 between
    /// bursts and tops out near 0.7), on this trace by 0.045.
    /// </summary>
    /// <remarks>
    /// The trace depends only on the design's conductance, the step and the length, and takes about a second to
    /// simulate, so each one is simulated once per process (a hybrid's design and its judgement both need it,
    /// for every seed tried). Each caller gets its own copy.
    /// </remarks>
    public static float[] HalfCentreTrace(GradedSynapse design, double dtMs, double seconds = 20)
    {
        float[] trace = HalfCentreTraces.GetOrAdd((design.ConductanceUs, dtMs, seconds), key =>
        {
            (double conductanceUs, double dt, double length) = key;
            Circuit circuit = Circuit.HalfCentre(conductanceUs);
            circuit.Advance(10_000, [0.0, 0.0]);
            int n = (int)Math.Round(length / (dt / 1000));
            return circuit.Record([new float[n], new float[n]], dt, "reference half-centre").Neurons[0].V;
        });
        return (float[])trace.Clone();
    }

    private static readonly ConcurrentDictionary<(double, double, double), float[]> HalfCentreTraces = new();

    /// <returns>The RMS error of a against s over the trace.</returns>
    public static double Fit(GatingCurrent synapse, GradedSynapse design, float[] presynapticMv, double dtMs, int epochs = 60, int seed = 1,
        float learningRate = 0.01f)
    {
        if (synapse.Inactivation is not null)
        {
            throw new ArgumentException("a designed graded synapse has no inactivation", nameof(synapse));
        }

        // The design's activation on the trace (sub-stepped exactly as the simulator integrates it).
        int n = presynapticMv.Length;
        float[] target = new float[n];
        var copy = new GradedSynapse(0, 1, design.ConductanceUs, design.ReversalMv, design.ThresholdMv, design.SlopeMv, design.DecayPerMs);
        for (int k = 0; k < n; k++)
        {
            target[k] = (float)copy.S;
            for (int sub = 0; sub < 20; sub++) { copy.Step(dtMs / 20, presynapticMv[k]); }
        }

        // Bank states and their normalisation, as teacher forcing would set them.
        int size = synapse.Bank.Size;
        float[] states = new float[n * size];
        synapse.RunBank(presynapticMv, states);
        float[] min = Enumerable.Repeat(float.MaxValue, size).ToArray(), max = Enumerable.Repeat(float.MinValue, size).ToArray();
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < size; i++)
            {
                min[i] = Math.Min(min[i], states[k * size + i]);
                max[i] = Math.Max(max[i], states[k * size + i]);
            }
        }

        synapse.FitNormalization(0, 0, min, max);
        synapse.ConductanceRaw.Value[0] = Softplus.Inverse((float)design.ConductanceUs);
        synapse.Reversal.Value[0] = (float)design.ReversalMv;
        float[] z = new float[n * size];
        for (int k = 0; k < n; k++) { synapse.Normalize(states.AsSpan(k * size, size), z.AsSpan(k * size, size)); }

        // Least squares of a(z) on s with Adam over shuffled chunks, after the banks' warm-up.
        int first = Math.Min(n - 1, synapse.Bank.WarmupSamples);
        Mlp mlp = synapse.Activation;
        Parameter[] parameters = mlp.Parameters.ToArray();
        var adam = new Adam(parameters, learningRate, 0.9f, 0.999f);
        var chunk = new MlpChunk(mlp, ChunkSize);
        float[] input = new float[size * ChunkSize], dOut = new float[ChunkSize];
        int[] order = Enumerable.Range(first, n - first).ToArray();
        var random = new Random(seed);
        mlp.RefreshEffective();
        double error = double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            double sum = 0;
            for (int start = 0; start + ChunkSize <= order.Length; start += ChunkSize)
            {
                for (int b = 0; b < ChunkSize; b++)
                {
                    int k = order[start + b];
                    for (int i = 0; i < size; i++) { input[i * ChunkSize + b] = z[k * size + i]; }
                }

                ReadOnlySpan<float> y = chunk.Forward(input, ChunkSize);
                for (int b = 0; b < ChunkSize; b++)
                {
                    float e = y[b] - target[order[start + b]];
                    sum += e * e;
                    dOut[b] = 2f * e / ChunkSize;
                }

                foreach (Parameter p in parameters) { Array.Clear(p.Grad); }
                chunk.ClearGradients();
                chunk.Backward(input, dOut, ChunkSize);
                chunk.AddTo();
                foreach (DenseLayer layer in mlp.Layers) { layer.ChainSignConstraint(); }
                adam.Step();
                mlp.RefreshEffective();
            }

            error = Math.Sqrt(sum / (order.Length / ChunkSize * ChunkSize));
        }

        return error;
    }
}
