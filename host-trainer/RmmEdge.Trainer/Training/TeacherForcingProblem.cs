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
    public TeacherForcingProblem(NeuronModel model, Dataset data, int firstSample, int endSample)
    {
        Model = model;
        float[] v = data.Neurons[model.Index].V;
        V = v;
        I = data.Neurons[model.Index].I;
        FirstSample = firstSample;
        EndSample = endSample;
        float dt = (float)data.DtMs;
        Target = new float[data.Length];
        for (int k = 0; k + 1 < data.Length; k++)
        {
            Target[k] = (v[k + 1] - v[k]) / dt;
        }

        States = model.Currents.Select(c =>
        {
            float[] states = new float[data.Length * c.Bank.Size];
            c.RunBank(data.Neurons[c.Source].V, states);
            return states;
        }).ToArray();

        FitNormalizations();
        NormalizeInputs();
    }

    private void NormalizeInputs()
    {
        Inputs = new float[Model.Currents.Length][];
        InputWidths = new int[Model.Currents.Length];
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
            int size = current.Bank.Size;
            int width = current is LumpedCurrent l ? l.InputSize : size;
            float[] rows = new float[V.Length * width];
            for (int k = FirstSample; k < EndSample; k++)
            {
                ReadOnlySpan<float> x = States[c].AsSpan(k * size, size);
                Span<float> z = rows.AsSpan(k * width, width);
                switch (current)
                {
                    case LumpedCurrent lumped: lumped.FillInput(V[k], x, z); break;
                    case GatingCurrent gating: gating.Normalize(x, z); break;
                }
            }

            Inputs[c] = rows;
            InputWidths[c] = width;
        }

        // The raw states are no longer needed for training.
        States = [];
    }

    public NeuronModel Model { get; }

    public float[] V { get; }

    public float[] I { get; }

    /// <summary>Regression target (mV/ms) per sample.</summary>
    public float[] Target { get; }

    /// <summary>Per-sample loss weights (mean 1 over the training samples); null: uniform.</summary>
    public float[]? Weights { get; private set; }

    /// <summary>Loss weights that favour slow dynamics (<see cref="SlopeWeights.Compute"/>); a scale ≤ 0 makes them uniform.</summary>
    public void WeightBySlope(float slopeScale, double dtMs, double windowMs = 1) =>
        Weights = SlopeWeights.Compute(V, FirstSample, EndSample, slopeScale, dtMs, windowMs);

    /// <summary>Per current, bank states sample-major: States[c][k * size + i].</summary>
    public float[][] States { get; private set; }

    /// <summary>
    /// Per current, its MLP input already normalised, sample-major: Inputs[c][k * width + i]
    /// (width = the current's input size). Normalisation is fixed before training, so it is done once.
    /// </summary>
    public float[][] Inputs { get; private set; } = [];

    /// <summary>Row width of <see cref="Inputs"/> for each current.</summary>
    public int[] InputWidths { get; private set; } = [];

    /// <summary>Training samples are FirstSample ≤ k &lt; EndSample (after the warm-up, before the validation split).</summary>
    public int FirstSample { get; }

    public int EndSample { get; }

    public int SampleCount => EndSample - FirstSample;

    private void FitNormalizations()
    {
        float vMin = float.MaxValue, vMax = float.MinValue;
        for (int c = 0; c < Model.Currents.Length; c++)
        {
            Current current = Model.Currents[c];
            int size = current.Bank.Size;
            float[] min = Enumerable.Repeat(float.MaxValue, size).ToArray();
            float[] max = Enumerable.Repeat(float.MinValue, size).ToArray();
            for (int k = FirstSample; k < EndSample; k++)
            {
                for (int i = 0; i < size; i++)
                {
                    float x = States[c][k * size + i];
                    if (x < min[i]) { min[i] = x; }
                    if (x > max[i]) { max[i] = x; }
                }
            }

            if (c == 0)
            {
                for (int k = FirstSample; k < EndSample; k++)
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
        for (int k = FirstSample; k < EndSample; k++) { mean += Target[k]; }
        mean /= SampleCount;
        for (int k = FirstSample; k < EndSample; k++) { sq += (Target[k] - mean) * (Target[k] - mean); }
        float scale = (float)(Math.Sqrt(sq / SampleCount) / Model.InverseCapacitance);
        foreach (LumpedCurrent lumped in Model.Currents.OfType<LumpedCurrent>())
        {
            lumped.OutputScale = Math.Max(scale, 1e-3f);
        }

    }
}
