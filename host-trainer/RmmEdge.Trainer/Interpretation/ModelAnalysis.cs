using System.Numerics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Interpretation;

/// <summary>
/// Current–voltage curves of one current. The axis is the voltage that drives the current's bank (the
/// owner's for an intrinsic current, the presynaptic neuron's for a synapse).
/// </summary>
/// <param name="Current">"neuron/current".</param>
/// <param name="VoltageMv">The voltage axis.</param>
/// <param name="SteadyStateNa">ψ with the bank at its steady state for each voltage (and, for a synapse,
/// the postsynaptic neuron held at <paramref name="HoldingMv"/>).</param>
/// <param name="InstantaneousNa">ψ with the bank at its steady state for <paramref name="HoldingMv"/> while the
/// owner's voltage steps to each voltage: what a fast voltage step would show before the filters move.</param>
/// <param name="SteadyStateConductanceUs">g·a·b at the steady state (gating currents); NaN for lumped currents.</param>
/// <param name="HoldingMv">Holding voltage of the instantaneous curve and of a synapse's postsynaptic neuron.</param>
public sealed record IvCurve(string Current, float[] VoltageMv, float[] SteadyStateNa, float[] InstantaneousNa,
    float[] SteadyStateConductanceUs, float HoldingMv);

/// <summary>How well a neuron's predicted synaptic input follows the true one (<see cref="ModelAnalysis.SynapticCorrelations"/>).</summary>
/// <param name="Neuron">The postsynaptic neuron.</param>
/// <param name="Synapses">Its synapses' qualified names, summed for the prediction.</param>
/// <param name="TruthColumn">The data's column of the true synaptic current (nA, depolarising +).</param>
/// <param name="PearsonR">Pearson r of the predicted with the true current.</param>
public sealed record SynapseCorrelation(string Neuron, string[] Synapses, string TruthColumn, double PearsonR);

/// <summary>Per-current time courses over a record: ψ and, for gating currents, the conductance g·a·b.</summary>
public sealed record CurrentTraces(string[] Currents, int Start, float[][] CurrentNa, float[][] ConductanceUs);

/// <summary>
/// What a trained model says about its currents (design §4; rmm-facts.md §3): steady-state and
/// instantaneous IV curves, conductance and current traces, predicted synaptic currents and the
/// frequency-dependent conductance G(v, ω) = Re[∂ψ/∂v + ∂ψ/∂x · H(e^{jω·dt})] of the authors' HCO
/// analysis. In-silico removal of a current is <see cref="Evaluation.FreeRun.Run"/> with <c>removed</c>.
/// </summary>
public static class ModelAnalysis
{
    public static IvCurve[] IvCurves(Network network, float vMinMv, float vMaxMv, int points, float holdingMv)
    {
        if (points < 2 || !(vMaxMv > vMinMv))
        {
            throw new ArgumentException("an IV curve needs at least two points over a non-empty voltage range");
        }

        network.RefreshEffective();
        var curves = new List<IvCurve>();
        foreach (Current current in network.Currents)
        {
            float[] x = new float[current.Bank.Size], xHold = new float[current.Bank.Size];
            float[] scratch = new float[current.ScratchSize];
            current.Bank.SteadyState(current.Spec.Drive(holdingMv), xHold);
            float[] v = new float[points], ss = new float[points], inst = new float[points], g = new float[points];
            for (int k = 0; k < points; k++)
            {
                v[k] = vMinMv + (vMaxMv - vMinMv) * k / (points - 1);
                current.Bank.SteadyState(current.Spec.Drive(v[k]), x);
                float post = current.IsSynapse ? holdingMv : v[k];
                ss[k] = current.Evaluate(post, x, scratch);
                g[k] = current.Conductance(x, scratch);
                inst[k] = current.Evaluate(v[k], xHold, scratch);
            }

            curves.Add(new IvCurve(current.QualifiedName, v, ss, inst, g, holdingMv));
        }

        return curves.ToArray();
    }

    /// <summary>
    /// ψ and conductance of every current over a record, with the voltages fed forward as
    /// γ·v_data + (1−γ)·v_model: γ = 1 gives the currents the model predicts from the measured
    /// voltages (the authors' predicted synaptic currents), γ = 0 those of its free run.
    /// </summary>
    public static CurrentTraces Traces(Network network, Dataset data, int warmup, float gamma = 1f)
    {
        var sim = new NetworkRunner(network);
        int n = network.NeuronCount, length = data.Length - warmup;
        Current[] currents = sim.Currents;
        float[] injected = new float[n], measured = new float[n];
        float[] scratch = new float[currents.Max(c => c.ScratchSize)];
        for (int i = 0; i < n; i++) { measured[i] = data.Neurons[i].V[0]; }
        sim.Reset(measured);
        float[][] psi = currents.Select(_ => new float[length]).ToArray();
        float[][] g = currents.Select(_ => new float[length]).ToArray();
        for (int k = 0; k < data.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                injected[i] = data.Neurons[i].I[k];
                measured[i] = data.Neurons[i].V[k];
            }

            if (k >= warmup)
            {
                // Conductances from the states at k, before the step moves them on.
                for (int c = 0; c < currents.Length; c++) { g[c][k - warmup] = currents[c].Conductance(sim.BankState(c), scratch); }
            }

            sim.Step(injected, measured, k < warmup ? 1f : gamma);
            if (k >= warmup)
            {
                for (int c = 0; c < currents.Length; c++) { psi[c][k - warmup] = sim.CurrentValues[c]; }
            }
        }

        return new CurrentTraces(currents.Select(c => c.QualifiedName).ToArray(), warmup, psi, g);
    }

    /// <summary>
    /// The authors' test of a circuit model: for each modelled neuron that receives synapses and whose
    /// true synaptic current the data holds (column Isyn1, Isyn2 … by postsynaptic neuron, positive =
    /// depolarising, as the injected current), Pearson r of the sum of its predicted synaptic currents
    /// (<paramref name="traces"/> with γ = 1: from the measured voltages) with it, over the record after
    /// the traces' start. The model is never trained on these columns.
    /// </summary>
    public static SynapseCorrelation[] SynapticCorrelations(Network network, Dataset data, CurrentTraces traces)
    {
        Current[] currents = network.Currents.ToArray();
        var result = new List<SynapseCorrelation>();
        for (int post = 0; post < network.NeuronCount; post++)
        {
            int[] synapses = Enumerable.Range(0, currents.Length).Where(c => currents[c].IsSynapse && currents[c].Owner == post).ToArray();
            string column = $"Isyn{post + 1}";
            if (synapses.Length == 0 || !data.Extra.TryGetValue(column, out float[]? truth))
            {
                continue;
            }

            int length = traces.CurrentNa[0].Length;
            double[] predicted = new double[length], measured = new double[length];
            for (int k = 0; k < length; k++)
            {
                foreach (int c in synapses) { predicted[k] -= traces.CurrentNa[c][k]; }   // ψ is outward-positive
                measured[k] = truth[traces.Start + k];
            }

            result.Add(new SynapseCorrelation(network.Spec.Neurons[post].Name, synapses.Select(c => currents[c].QualifiedName).ToArray(), column,
                Pearson(predicted, measured)));
        }

        return result.ToArray();
    }

    /// <summary>Pearson correlation coefficient of two equally long series.</summary>
    public static double Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length || a.Length < 2)
        {
            throw new ArgumentException($"Pearson r needs two series of one length ≥ 2, got {a.Length} and {b.Length}");
        }

        double ma = 0, mb = 0;
        for (int i = 0; i < a.Length; i++) { ma += a[i]; mb += b[i]; }
        ma /= a.Length;
        mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>
    /// Frequency-dependent conductance (µS) of one current at steady state: rows are voltages (mV),
    /// columns angular frequencies (rad/ms). ∂ψ/∂v and ∂ψ/∂x by central differences; the bank's
    /// transfer H(z) = (zI − A)⁻¹B solved exactly. At ω → 0 it is the slope of the steady-state IV curve.
    /// For a synapse it is the response to the presynaptic voltage (the ∂ψ/∂v_post term is left out).
    /// A bank driven by spike activity u = σ(v) is linearised through it: its input moves by σ′(v)·δv.
    /// </summary>
    public static double[,] FrequencyConductance(Network network, int currentIndex, float[] voltagesMv, double[] omegaRadPerMs)
    {
        Current current = network.Currents.ElementAt(currentIndex);
        FilterBank bank = current.Bank;
        int size = bank.Size;
        (Complex[,] a, Complex[] b) = StateSpace(bank);
        float[] x = new float[size], probe = new float[size], scratch = new float[current.ScratchSize];
        var result = new double[voltagesMv.Length, omegaRadPerMs.Length];
        var dPsiDx = new double[size];
        // H(e^{jω·dt}) depends on ω only: solved once per frequency, not once per voltage and frequency.
        Complex[][] transfer = omegaRadPerMs.Select(w => Transfer(a, b, Complex.FromPolarCoordinates(1, w * network.DtMs))).ToArray();
        for (int r = 0; r < voltagesMv.Length; r++)
        {
            float v = voltagesMv[r];
            const float hv = 0.01f;
            float drive = current.Spec.Drive(v);
            bank.SteadyState(drive, x);
            double driveSlope = current.Spec.Input == BankInput.Voltage ? 1.0 : drive * (1.0 - drive) / current.Spec.ActivitySlopeMv;   // σ′ = σ(1 − σ)/k
            double dPsiDv = current.IsSynapse ? 0 : (current.Evaluate(v + hv, x, scratch) - current.Evaluate(v - hv, x, scratch)) / (2.0 * hv);
            for (int i = 0; i < size; i++)
            {
                float h = 1e-3f * Math.Max(1f, Math.Abs(x[i]));
                x.CopyTo(probe, 0);
                probe[i] = x[i] + h;
                double up = current.Evaluate(v, probe, scratch);
                probe[i] = x[i] - h;
                double down = current.Evaluate(v, probe, scratch);
                dPsiDx[i] = (up - down) / (2.0 * h);
            }

            for (int w = 0; w < omegaRadPerMs.Length; w++)
            {
                Complex[] h = transfer[w];
                Complex sum = dPsiDv;
                for (int i = 0; i < size; i++) { sum += dPsiDx[i] * h[i] * driveSlope; }
                result[r, w] = sum.Real;
            }
        }

        return result;
    }

    /// <summary>A and B of the bank's linear update x' = A x + B u, read off by probing its step.</summary>
    private static (Complex[,] A, Complex[] B) StateSpace(FilterBank bank)
    {
        int n = bank.Size;
        var a = new Complex[n, n];
        var b = new Complex[n];
        float[] x = new float[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(x);
            x[j] = 1f;
            bank.Step(x, 0f);
            for (int i = 0; i < n; i++) { a[i, j] = x[i]; }
        }

        Array.Clear(x);
        bank.Step(x, 1f);
        for (int i = 0; i < n; i++) { b[i] = x[i]; }
        return (a, b);
    }

    /// <summary>Solves (zI − A) h = B by Gaussian elimination with partial pivoting.</summary>
    private static Complex[] Transfer(Complex[,] a, Complex[] b, Complex z)
    {
        int n = b.Length;
        var m = new Complex[n, n + 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) { m[i, j] = (i == j ? z : Complex.Zero) - a[i, j]; }
            m[i, n] = b[i];
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < n; i++)
            {
                if (m[i, col].Magnitude > m[pivot, col].Magnitude) { pivot = i; }
            }

            for (int j = col; j <= n; j++) { (m[col, j], m[pivot, j]) = (m[pivot, j], m[col, j]); }
            for (int i = col + 1; i < n; i++)
            {
                Complex f = m[i, col] / m[col, col];
                for (int j = col; j <= n; j++) { m[i, j] -= f * m[col, j]; }
            }
        }

        var h = new Complex[n];
        for (int i = n - 1; i >= 0; i--)
        {
            Complex s = m[i, n];
            for (int j = i + 1; j < n; j++) { s -= m[i, j] * h[j]; }
            h[i] = s / m[i, i];
        }

        return h;
    }
}
