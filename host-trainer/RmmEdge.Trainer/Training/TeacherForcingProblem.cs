using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

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
    public TeacherForcingProblem(NeuronModel model, Dataset data, int transient)
    {
        Model = model;
        float[] v = data.Neurons[model.Index].V;
        V = v;
        I = data.Neurons[model.Index].I;
        float dt = (float)data.DtMs;
        Target = new float[data.Length];
        var samples = new List<int>();
        foreach (Segment g in data.Segments)
        {
            // Within the segment only: the last sample has no next one to aim at.
            for (int k = g.Start; k + 1 < g.End; k++)
            {
                Target[k] = (v[k + 1] - v[k]) / dt;
                if (k >= g.Start + transient) { samples.Add(k); }
            }
        }

        Samples = samples.ToArray();
        _data = data;
        FitNormalizations();
        NormalizeInputs();
        FillSampleRows();
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
        Target = new float[count];
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
        InputWidths = new int[Model.Currents.Length];
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
            int width = InputWidth(current);
            float[] rows = new float[V.Length * width];
            ForEachTrainingState(current, (k, x) => NormalizeInput(current, V[k], x, rows.AsSpan(k * width, width)));

            Inputs[c] = rows;
            InputWidths[c] = width;
        }
    }

    public NeuronModel Model { get; }

    public float[] V { get; }

    public float[] I { get; }

    /// <summary>Regression target (mV/ms) per sample.</summary>
    public float[] Target { get; }

    /// <summary>Per-sample loss weights (mean 1 over the training samples); null: uniform.</summary>
    public float[]? Weights { get; private set; }

    /// <summary>Loss weights that favour slow dynamics (<see cref="SlopeWeights.Compute"/>); a scale ≤ 0 makes them uniform.</summary>
    public void WeightBySlope(float slopeScale, double dtMs, double windowMs = 1)
    {
        Weights = SlopeWeights.Compute(V, Samples, slopeScale, dtMs, windowMs);
        FillSampleRows();
    }

    /// <summary>
    /// Per sample, what the loss needs beside the inputs, interleaved so that a shuffled sample costs
    /// one cache line instead of four: SampleRows[k * 4 + …] = v, I, target, loss weight.
    /// </summary>
    public float[] SampleRows { get; private set; } = [];

    public const int SampleRowWidth = 4;

    private void FillSampleRows()
    {
        float[] rows = SampleRows.Length == V.Length * SampleRowWidth ? SampleRows : new float[V.Length * SampleRowWidth];
        for (int k = 0; k < V.Length; k++)
        {
            rows[k * SampleRowWidth] = V[k];
            rows[k * SampleRowWidth + 1] = I[k];
            rows[k * SampleRowWidth + 2] = Target[k];
            rows[k * SampleRowWidth + 3] = Weights is { } w ? w[k] : 1f;
        }

        SampleRows = rows;
    }

    /// <summary>
    /// Per current, its MLP input already normalised, sample-major: Inputs[c][k * width + i]
    /// (width = the current's input size). Normalisation is fixed before training, so it is done once.
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
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
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

            if (c == 0)
            {
                foreach (int k in Samples)
                {
                    vMin = Math.Min(vMin, V[k]);
                    vMax = Math.Max(vMax, V[k]);
                }
            }

            current.FitNormalization(vMin, vMax, min, max);
        }

        // Lumped currents start with an output scale matched to the data: the current that would
        // produce one standard deviation of dv/dt at the initial capacitance.
        double mean = 0, sq = 0;
        foreach (int k in Samples) { mean += Target[k]; }
        mean /= SampleCount;
        foreach (int k in Samples) { sq += (Target[k] - mean) * (Target[k] - mean); }
        float scale = (float)(Math.Sqrt(sq / SampleCount) / Model.InverseCapacitance);
        foreach (LumpedCurrent lumped in Model.Currents.OfType<LumpedCurrent>())
        {
            lumped.OutputScale = Math.Max(scale, 1e-3f);
        }

    }
}
