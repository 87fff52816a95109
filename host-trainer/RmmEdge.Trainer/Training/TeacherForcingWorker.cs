using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Computes the teacher-forcing loss and its gradient for one neuron over a list of samples, chunk by
/// chunk, into its own accumulators. One worker per training partition: workers never share memory,
/// and their sums are added in partition order, so a run is reproducible for a given seed whatever
/// the number of cores. Allocation-free after construction.
/// </summary>
internal sealed class TeacherForcingWorker
{
    /// <summary>Samples per chunk: the activations of a chunk stay in the first-level cache.</summary>
    public const int ChunkSize = 240;

    private readonly TeacherForcingProblem _problem;
    private readonly CurrentBuffers[] _currents;
    private readonly float[] _v = new float[ChunkSize];
    private readonly float[] _i = new float[ChunkSize];
    private readonly float[] _target = new float[ChunkSize];
    private readonly float[] _weight = new float[ChunkSize];
    private readonly float[] _psiSum = new float[ChunkSize];
    private readonly float[] _dPsi = new float[ChunkSize];

    private readonly GaussianNoise _noise = new();

    public TeacherForcingWorker(TeacherForcingProblem problem)
    {
        _problem = problem;
        _currents = problem.Model.Currents.Select((c, index) => new CurrentBuffers(problem, index)).ToArray();
    }

    // Scalar gradient accumulators of the neuron's own parameters.
    private double _gCinv, _gLeak, _gLeakReversal;

    public double LossSum { get; private set; }

    /// <summary>Σ w·e² over the processed samples, w the loss weights: the loss whose gradient is accumulated, over the gradient scale.</summary>
    public double WeightedLossSum { get; private set; }

    /// <summary>Standard deviation of the Gaussian noise added to every normalised input (0: none).</summary>
    public float InputNoise { get; set; }

    /// <summary>Restarts the noise generator (per mini-batch and partition, so runs are reproducible).</summary>
    public void SeedNoise(ulong seed) => _noise.Seed(seed);

    public void Clear()
    {
        _gCinv = _gLeak = _gLeakReversal = 0;
        LossSum = 0;
        WeightedLossSum = 0;
        foreach (CurrentBuffers c in _currents) { c.Clear(); }
    }

    /// <summary>Accumulates Σ e² and the gradient of <paramref name="gradScale"/>·Σ e² over the given samples.</summary>
    public void Process(ReadOnlySpan<int> samples, float gradScale) => Process(samples, gradScale, default);

    /// <summary>
    /// Accumulates the gradient of Σ_b c_b·pred_b over the given samples, with c_b =
    /// <paramref name="predictionWeights"/>[b]: the model's dv/dt at those samples weighted, whatever the
    /// targets (<see cref="RestStability"/>).
    /// </summary>
    public void ProcessWeightedPrediction(ReadOnlySpan<int> samples, ReadOnlySpan<float> predictionWeights) =>
        Process(samples, 0f, predictionWeights);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Process(ReadOnlySpan<int> samples, float gradScale, ReadOnlySpan<float> predictionWeights)
    {
        NeuronModel m = _problem.Model;
        float cinv = m.InverseCapacitance, gL = m.LeakConductance, eL = m.LeakReversalMv;
        for (int start = 0; start < samples.Length; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, samples.Length - start);
            ReadOnlySpan<int> chunk = samples.Slice(start, n);
            float[] rows = _problem.SampleRows;
            PrefetchSampleRows(rows, samples[Math.Min(start + n, samples.Length)..Math.Min(start + 2 * n, samples.Length)]);
            for (int b = 0; b < n; b++)
            {
                int row = chunk[b] * TeacherForcingProblem.SampleRowWidth;
                _v[b] = rows[row];
                _i[b] = rows[row + 1];
                _target[b] = rows[row + 2];
                _weight[b] = rows[row + 3];
                _psiSum[b] = 0f;
            }

            for (int c = 0; c < _currents.Length; c++)
            {
                _currents[c].Forward(chunk, _v, _psiSum, n, InputNoise, _noise);
            }

            // pred = c⁻¹ (I − g_L (v − E_L) − Σψ); e = pred − target.
            double loss = 0, weightedLoss = 0, gCinv = 0, gLeak = 0;
            for (int b = 0; b < n; b++)
            {
                float drive = _i[b] - gL * (_v[b] - eL) - _psiSum[b];
                float e = cinv * drive - _target[b];
                loss += e * e;
                weightedLoss += _weight[b] * e * e;
                float g = predictionWeights.IsEmpty
                    ? gradScale * 2f * _weight[b] * e               // dLoss/dpred (the reported loss stays unweighted)
                    : predictionWeights[start + b];
                gCinv += g * drive;
                float dPsi = -cinv * g;             // dLoss/dψ, identical for every current and the leak
                _dPsi[b] = dPsi;
                gLeak += dPsi * (_v[b] - eL);
            }

            LossSum += loss;
            WeightedLossSum += weightedLoss;
            _gCinv += gCinv;
            _gLeak += gLeak;
            _gLeakReversal += -gL * SumOf(_dPsi, n);
            for (int c = 0; c < _currents.Length; c++)
            {
                _currents[c].Backward(_v, _dPsi, n);
            }
        }
    }

    /// <summary>Adds this worker's gradients to the neuron's parameter gradients (raw-parameter space for the scalars).</summary>
    public void AddTo()
    {
        NeuronModel m = _problem.Model;
        m.InverseCapacitanceRaw.Grad[0] += (float)(_gCinv * Softplus.Derivative(m.InverseCapacitanceRaw.Value[0]));
        m.LeakConductanceRaw.Grad[0] += (float)(_gLeak * Softplus.Derivative(m.LeakConductanceRaw.Value[0]));
        m.LeakReversal.Grad[0] += (float)_gLeakReversal;
        foreach (CurrentBuffers c in _currents) { c.AddTo(); }
    }

    /// <summary>Asks for the next chunk's sample rows now, so they arrive while this chunk computes.</summary>
    private static unsafe void PrefetchSampleRows(float[] rows, ReadOnlySpan<int> next)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        fixed (float* table = rows)
        {
            foreach (int k in next)
            {
                Sse.Prefetch1(table + (long)k * TeacherForcingProblem.SampleRowWidth);
            }
        }
    }

    private static float SumOf(float[] x, int n)
    {
        float s = 0f;
        for (int b = 0; b < n; b++) { s += x[b]; }
        return s;
    }

    /// <summary>One current's inputs for a chunk (gathered, with noise) and its ψ and gradient (<see cref="CurrentChunk"/>).</summary>
    private sealed class CurrentBuffers
    {
        private readonly TeacherForcingProblem _problem;
        private readonly int _index;
        private readonly BankCheckpoints.Cursor? _cursor;
        private readonly float[] _z;
        private readonly CurrentChunk _chunk;

        public CurrentBuffers(TeacherForcingProblem problem, int index)
        {
            _problem = problem;
            _index = index;
            Current current = problem.Model.Currents[index];
            _cursor = problem.NewCursor(index, ChunkSize);
            _z = new float[current.Normalizer.Center.Length * ChunkSize];
            _chunk = new CurrentChunk(current, ChunkSize);
        }

        public void Clear() => _chunk.ClearGradients();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Forward(ReadOnlySpan<int> samples, float[] v, float[] psiSum, int n, float sigma, GaussianNoise noise)
        {
            int width = _problem.InputWidths[_index];
            _problem.GatherInputs(_index, samples, _z, _cursor);
            if (sigma > 0f)
            {
                noise.Add(_z.AsSpan(0, width * n), sigma);
            }

            ReadOnlySpan<float> psi = _chunk.Forward(0, _z, v, n);
            for (int b = 0; b < n; b++) { psiSum[b] += psi[b]; }
        }

        public void Backward(float[] v, float[] dPsi, int n) => _chunk.Backward(0, _z, v, 1f, dPsi, n);

        public void AddTo() => _chunk.AddTo();
    }
}
