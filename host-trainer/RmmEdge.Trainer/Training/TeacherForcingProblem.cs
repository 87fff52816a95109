using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// The teacher-forcing view of the data for one modelled neuron (RM7): because the filter banks are
/// linear and driven by measured voltages, their states are computed once; training is then a static
/// regression of the model's dv/dt(v[k], x[k], I[k]) on the finite difference (v[k+1] − v[k])/dt.
/// Holds the sample-major bank states of every current of the neuron and the regression targets.
/// </summary>
internal sealed class TeacherForcingProblem
{
    /// <param name="transient">Samples at the start of every segment of <paramref name="data"/> that are not trained on
    /// (the banks start at the DC steady state of the segment's first sample and forget it over these).</param>
    /// <param name="streamAboveBytes">Precomputed input rows larger than this are not stored: the inputs are
    /// streamed from bank checkpoints (<see cref="IsStreamed"/>).</param>
    /// <param name="intrinsicHeld">The neuron's own currents are held (<see cref="Network.AdoptIntrinsic"/>): their normalisation and output scale stay.</param>
    public TeacherForcingProblem(NeuronModel model, Dataset data, int transient, long streamAboveBytes = long.MaxValue, bool intrinsicHeld = false)
    {
        Model = model;
        _intrinsicHeld = intrinsicHeld;
        float[] v = data.Neurons[model.Index].V;
        V = v;
        I = data.Neurons[model.Index].I;
        float dt = (float)data.DtMs;
        SampleRows = new float[v.Length * SampleRowWidth];
        int count = data.Segments.Sum(g => Math.Max(0, g.Length - 1 - transient));
        Samples = new int[count];
        int next = 0;
        foreach (Segment g in data.Segments)
        {
            // Within the segment only: the last sample has no next one to aim at.
            for (int k = g.Start; k + 1 < g.End; k++)
            {
                SampleRows[k * SampleRowWidth + 2] = (v[k + 1] - v[k]) / dt;
                if (k >= g.Start + transient) { Samples[next++] = k; }
            }
        }

        FillSampleRows();
        _data = data;
        FitNormalizations();
        InputWidths = model.Currents.Select(InputWidth).ToArray();
        if (InputRowBytes(model, Samples.Length) > streamAboveBytes)
        {
            Blocks = new TrainingBlocks(Samples);
            _checkpoints = model.Currents.Select(c => new BankCheckpoints(c, data, Blocks)).ToArray();
            Inputs = model.Currents.Select(_ => Array.Empty<float>()).ToArray();
        }
        else
        {
            NormalizeInputs();
        }
    }

    /// <summary>Bytes of the precomputed input rows of <paramref name="samples"/> samples (4 per MLP input and sample).</summary>
    public static long InputRowBytes(NeuronModel model, int samples) => model.Currents.Sum(c => (long)InputWidth(c)) * samples * sizeof(float);

    private readonly BankCheckpoints[]? _checkpoints;

    private readonly bool _intrinsicHeld;

    /// <summary>
    /// True when the input rows are not stored but re-run from bank checkpoints per block of
    /// <see cref="Blocks"/> (long records): teacher forcing then shuffles whole blocks, so that a
    /// mini-batch walks each block's banks once.
    /// </summary>
    public bool IsStreamed => _checkpoints is not null;

    /// <summary>The training samples in blocks (streamed problems only).</summary>
    public TrainingBlocks? Blocks { get; }

    /// <summary>Length of the rank scratch <see cref="ShuffleIntoSortedBatches"/> needs: one per block when streamed, else one per sample.</summary>
    public int RankCount => Blocks?.Count ?? SampleCount;

    /// <summary>
    /// One epoch's order of the training samples into <paramref name="order"/>: mini-batches of shuffled
    /// samples, or of shuffled blocks when streamed, each batch sorted (<see cref="TeacherForcingTrainer.ShuffleIntoSortedBatches(ShuffleRandom, int[], int[], int[], int)"/>).
    /// </summary>
    public void ShuffleIntoSortedBatches(ShuffleRandom random, int[] rank, int[] order, int batchSize)
    {
        if (Blocks is { } blocks)
        {
            TeacherForcingTrainer.ShuffleIntoSortedBatches(random, Samples, blocks, rank, order, batchSize);
        }
        else
        {
            TeacherForcingTrainer.ShuffleIntoSortedBatches(random, Samples, rank, order, batchSize);
        }
    }

    /// <summary>A walker over current c's streamed bank states for up to <paramref name="maxSamples"/> samples a call (null for stored rows).</summary>
    public BankCheckpoints.Cursor? NewCursor(int c, int maxSamples) => _checkpoints?[c].NewCursor(maxSamples);

    /// <summary>
    /// Current c's normalised MLP inputs of the given samples, feature-major (z[i * n + b]): gathered
    /// from the stored rows, or re-run from the bank checkpoints with <paramref name="cursor"/>.
    /// </summary>
    public void GatherInputs(int c, ReadOnlySpan<int> samples, Span<float> z, BankCheckpoints.Cursor? cursor)
    {
        if (_checkpoints is null)
        {
            RowGather.Gather(samples, Inputs[c], InputWidths[c], z);
            return;
        }

        _checkpoints[c].Fill(samples, V, z, cursor ?? throw new ArgumentNullException(nameof(cursor)));
    }

    /// <summary>
    /// A problem of <paramref name="count"/> probe samples whose states the caller sets
    /// (<see cref="SetProbe"/>), normalised as the model's currents were fitted: the gradient of the
    /// model's dv/dt at states no record visits (<see cref="RestStability"/>).
    /// </summary>
    private TeacherForcingProblem(NeuronModel model, int count)
    {
        Model = model;
        V = new float[count];
        I = new float[count];
        SampleRows = new float[count * SampleRowWidth];
        Samples = Enumerable.Range(0, count).ToArray();
        Inputs = model.Currents.Select(c => new float[count * InputWidth(c)]).ToArray();
        InputWidths = model.Currents.Select(InputWidth).ToArray();
        FillSampleRows();
    }

    public static TeacherForcingProblem Probes(NeuronModel model, int count) => new(model, count);

    /// <summary>Sets probe sample k: voltage v (mV), injected current i (nA) and the raw bank state of every current.</summary>
    public void SetProbe(int k, float v, float i, float[][] states)
    {
        V[k] = v;
        I[k] = i;
        SampleRows[k * SampleRowWidth] = v;
        SampleRows[k * SampleRowWidth + 1] = i;
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            NormalizeInput(Model.Currents[c], v, states[c], Inputs[c].AsSpan(k * InputWidths[c], InputWidths[c]));
        }
    }

    private static int InputWidth(Current current) => current is LumpedCurrent l ? l.InputSize : current.Bank.Size;

    /// <summary>The MLP input of one sample: the normalised owner voltage (lumped currents that read it) and bank states.</summary>
    private static void NormalizeInput(Current current, float v, ReadOnlySpan<float> x, Span<float> z)
    {
        switch (current)
        {
            case LumpedCurrent lumped: lumped.FillInput(v, x, z); break;
            case GatingCurrent gating: gating.Normalize(x, z); break;
        }
    }

    private readonly Dataset _data = null!;

    /// <summary>The bank state of every training sample (<see cref="Samples"/>, ascending), as <see cref="Current.VisitBankStates"/> runs them.</summary>
    private void ForEachTrainingState(Current current, BankStateVisitor visit)
    {
        int next = 0;
        current.VisitBankStates(_data.Neurons[current.Source].V, _data.Segments, (k, x) =>
        {
            if (next < Samples.Length && Samples[next] == k)
            {
                visit(k, x);
                next++;
            }
        });
    }

    private void NormalizeInputs()
    {
        Inputs = new float[Model.Currents.Length][];
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
            int width = InputWidth(current);
            float[] rows = new float[V.Length * width];
            ForEachTrainingState(current, (k, x) => NormalizeInput(current, V[k], x, rows.AsSpan(k * width, width)));

            Inputs[c] = rows;
        }
    }

    public NeuronModel Model { get; }

    public float[] V { get; }

    public float[] I { get; }

    /// <summary>Regression target (mV/ms) of sample k: (v[k + 1] − v[k]) / dt within its segment.</summary>
    public float Target(int k) => SampleRows[k * SampleRowWidth + 2];

    /// <summary>Loss weights that favour slow dynamics (<see cref="SlopeWeights.Compute"/>); a scale ≤ 0 makes them uniform.</summary>
    public void WeightBySlope(float slopeScale, double dtMs, double windowMs = 1)
    {
        float[]? weights = SlopeWeights.Compute(V, Samples, slopeScale, dtMs, windowMs);
        for (int k = 0; k < V.Length; k++)
        {
            SampleRows[k * SampleRowWidth + 3] = weights is null ? 1f : weights[k];
        }
    }

    /// <summary>
    /// Per sample, what the loss needs, interleaved so that a shuffled sample costs one cache line
    /// instead of four: SampleRows[k * 4 + …] = v, I, target, loss weight. The only copy of the targets.
    /// </summary>
    public float[] SampleRows { get; }

    public const int SampleRowWidth = 4;

    /// <summary>Copies v and I into the sample rows and sets every weight to 1 (the targets are already there).</summary>
    private void FillSampleRows()
    {
        for (int k = 0; k < V.Length; k++)
        {
            SampleRows[k * SampleRowWidth] = V[k];
            SampleRows[k * SampleRowWidth + 1] = I[k];
            SampleRows[k * SampleRowWidth + 3] = 1f;
        }
    }

    /// <summary>
    /// Per current, its MLP input already normalised, sample-major: Inputs[c][k * width + i]
    /// (width = the current's input size). Normalisation is fixed before training, so it is done once.
    /// Empty when the problem is streamed (<see cref="GatherInputs"/> reads either way).
    /// </summary>
    public float[][] Inputs { get; private set; } = [];

    /// <summary>Row width of <see cref="Inputs"/> for each current.</summary>
    public int[] InputWidths { get; private set; } = [];

    /// <summary>The samples trained on, ascending: every segment's samples after its transient, but its last.</summary>
    public int[] Samples { get; }

    public int SampleCount => Samples.Length;

    private void FitNormalizations()
    {
        float vMin = float.MaxValue, vMax = float.MinValue;
        foreach (int k in Samples)
        {
            vMin = Math.Min(vMin, V[k]);
            vMax = Math.Max(vMax, V[k]);
        }

        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
            if (_intrinsicHeld && !current.IsSynapse)
            {
                continue;   // fitted on the cells' own record (Network.AdoptIntrinsic): its normalisation stays
            }

            int size = current.Bank.Size;
            float[] min = Enumerable.Repeat(float.MaxValue, size).ToArray();
            float[] max = Enumerable.Repeat(float.MinValue, size).ToArray();
            ForEachTrainingState(current, (k, x) =>
            {
                for (int i = 0; i < size; i++)
                {
                    if (x[i] < min[i]) { min[i] = x[i]; }
                    if (x[i] > max[i]) { max[i] = x[i]; }
                }
            });

            current.FitNormalization(vMin, vMax, min, max);
        }

        // Lumped currents start with an output scale matched to the data: the current that would
        // produce one standard deviation of dv/dt at the initial capacitance.
        double mean = 0, sq = 0;
        foreach (int k in Samples) { mean += Target(k); }
        mean /= SampleCount;
        foreach (int k in Samples) { sq += (Target(k) - mean) * (Target(k) - mean); }
        float scale = (float)(Math.Sqrt(sq / SampleCount) / Model.InverseCapacitance);
        foreach (LumpedCurrent lumped in Model.Currents.OfType<LumpedCurrent>().Where(c => c.IsSynapse || !_intrinsicHeld))
        {
            lumped.OutputScale = Math.Max(scale, 1e-3f);
        }

    }
}
