using Complex = System.Numerics.Complex;
using MathNet.Numerics.LinearAlgebra;

namespace RmmEdge.Trainer.Model;

/// <summary>
/// One neuron's step map — the <see cref="NetworkRunner"/>'s: an Euler step of v, and every bank stepped
/// with its drive of v — linearised at a rest: voltage v*, injected current i₀, every bank at its
/// steady state for v*. The state is v followed by the bank states of each current in order. The
/// banks' rows are exact (a bank is linear in its state and its drive); the voltage's row is measured
/// by central differences of the model's dv/dt, each step 1 % of that input's normalised
/// range. The rest is stable when every eigenvalue lies inside the unit circle; ln|λ|/dt is a mode's
/// growth rate. For neurons whose currents are all driven by their own voltage (no synapses).
/// </summary>
public sealed class RestLinearisation
{
    private readonly NeuronModel _model;
    private readonly float[][] _states;
    private readonly float[] _scratch;

    private RestLinearisation(NeuronModel model, double dtMs, float restMv, float currentNa)
    {
        _model = model;
        DtMs = dtMs;
        RestMv = restMv;
        CurrentNa = currentNa;
        _states = model.Currents.Select(c => new float[c.Bank.Size]).ToArray();
        _scratch = new float[model.Currents.Max(c => c.ScratchSize)];
        Size = 1 + _states.Sum(x => x.Length);
        Steps = new double[Size];
        Steps[0] = VoltageStepMv;
        int o = 1;
        for (int k = 0; k < model.Currents.Length; k++)
        {
            Current c = model.Currents[k];
            c.Bank.SteadyState(c.Spec.Drive(restMv), _states[k]);
            int shift = c.VoltageInputs;
            for (int i = 0; i < c.Bank.Size; i++)
            {
                Steps[o + i] = RelativeStep / c.Normalizer.Scale[shift + i];
                _states[k][i] = InsideCorner(_states[k][i], c.Normalizer.Center[shift + i], c.Normalizer.Scale[shift + i]);
            }

            o += c.Bank.Size;
        }

        Jacobian = new double[Size, Size];
        FillBankRows();
        FillVoltageRow();
        Eigenvalues = Matrix<double>.Build.DenseOfArray(Jacobian).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Asymmetric).EigenValues.ToArray();
    }

    /// <summary>
    /// A bank state within one difference step of the clamp's corner (normalised ±<see cref="InputNormalizer.Limit"/>)
    /// moved to one step inside it; others as they are. A spike-activity bank rests at exactly its trained
    /// minimum (no activity, z = −1): a central difference there would straddle the corner and take half
    /// the slope, though the state can only move inward. Beyond the corner (clamped) a state is left alone.
    /// </summary>
    private static float InsideCorner(float x, float center, float scale)
    {
        double z = (x - center) * (double)scale;
        return NearCorner(z, RelativeStep) ? (float)(center + Math.CopySign(InputNormalizer.Limit - RelativeStep, z) / scale) : x;
    }

    /// <summary>Whether normalised input <paramref name="z"/> lies within <paramref name="step"/> of the clamp's corner, on either side.</summary>
    private static bool NearCorner(double z, double step) => Math.Abs(Math.Abs(z) - InputNormalizer.Limit) <= step;

    /// <summary>Step of the central difference in v (mV).</summary>
    public const double VoltageStepMv = 0.5;

    /// <summary>Step of the central difference in a bank state, as a fraction of its normalised half-range.</summary>
    public const double RelativeStep = 0.02;

    public static bool Applies(NeuronModel model) => model.Currents.Length > 0 && model.Currents.All(c => c.Source == model.Index);

    /// <summary>The linearisation of <paramref name="model"/> at rest <paramref name="restMv"/> under <paramref name="currentNa"/>.</summary>
    public static RestLinearisation At(NeuronModel model, double dtMs, float restMv, float currentNa)
    {
        if (!Applies(model))
        {
            throw new ArgumentException($"{model.Spec.Name}: the rest linearisation needs every current driven by the neuron's own voltage", nameof(model));
        }

        return new RestLinearisation(model, dtMs, restMv, currentNa);
    }

    /// <summary>
    /// The model's equilibria under a constant <paramref name="currentNa"/>: every voltage in
    /// [<see cref="EquilibriumLowMv"/>, <see cref="EquilibriumHighMv"/>] where dv/dt, with every bank at its
    /// steady state for that voltage, crosses zero (a scan in <see cref="EquilibriumScanMv"/> steps, then
    /// bisection to 10⁻³ mV), lowest first. Equilibria outside the inputs' trained range are kept: there an
    /// input is clamped and the model's fit cannot move it, but the others can (and a bank state at the
    /// corner is linearised from inside, <see cref="InsideCorner"/>). Left out is one whose voltage lies within
    /// its difference step of the clamp's corner as a current's input: there the model is not differentiable,
    /// and a central difference across the corner is not a derivative.
    /// </summary>
    public static float[] Equilibria(NeuronModel model, float currentNa)
    {
        float[][] states = model.Currents.Select(c => new float[c.Bank.Size]).ToArray();
        float[] scratch = new float[model.Currents.Max(c => c.ScratchSize)];
        float SteadyDvdt(float v)
        {
            float psi = 0f;
            for (int c = 0; c < states.Length; c++)
            {
                Current current = model.Currents[c];
                current.Bank.SteadyState(current.Spec.Drive(v), states[c]);
                psi += current.Evaluate(v, states[c], scratch);
            }

            return model.Dvdt(v, currentNa, psi);
        }

        var roots = new List<float>();
        float low = EquilibriumLowMv, lowValue = SteadyDvdt(low);
        for (float high = low + EquilibriumScanMv; high <= EquilibriumHighMv; high += EquilibriumScanMv)
        {
            float highValue = SteadyDvdt(high);
            if (lowValue * highValue <= 0 && lowValue != highValue)
            {
                float a = low, b = high, fa = lowValue;
                while (b - a > 1e-3f)
                {
                    float m = 0.5f * (a + b), fm = SteadyDvdt(m);
                    if (fa * fm <= 0) { b = m; } else { a = m; fa = fm; }
                }

                float root = 0.5f * (a + b);
                if (!NearClampCorner(model, root)) { roots.Add(root); }
            }

            low = high;
            lowValue = highValue;
        }

        return [.. roots];
    }

    /// <summary>Whether <paramref name="v"/> lies within its difference step of the clamp's corner as an input of some current.</summary>
    private static bool NearClampCorner(NeuronModel model, float v)
    {
        foreach (Current current in model.Currents)
        {
            if (current.VoltageInputs == 0) { continue; }
            double z = (v - current.Normalizer.Center[0]) * (double)current.Normalizer.Scale[0];
            if (NearCorner(z, VoltageStepMv * current.Normalizer.Scale[0])) { return true; }
        }

        return false;
    }

    /// <summary>
    /// The range and scan step of <see cref="Equilibria"/> (mV). The range reaches above the spike peaks of every
    /// recording here (neuron A's spikes peak at +43 mV; lp-4's training record reaches +47 mV): a model can sit silent at a spike's peak under a
    /// current where the cell fires (a catalogue lp-4 model, batch 4,096, seed 1, at +31 mV from +0.5 nA), and
    /// up to +20 mV, as the scan was, it saw none of that.
    /// </summary>
    public const float EquilibriumLowMv = -100, EquilibriumHighMv = 60, EquilibriumScanMv = 0.25f;

    public double DtMs { get; }

    public float RestMv { get; }

    public float CurrentNa { get; }

    /// <summary>Number of state variables: v and every bank state.</summary>
    public int Size { get; }

    /// <summary>The step map's Jacobian at the rest, state order v, then each current's bank.</summary>
    public double[,] Jacobian { get; }

    public Complex[] Eigenvalues { get; }

    /// <summary>Central-difference step of each state variable (mV for v, raw state units for the banks).</summary>
    public double[] Steps { get; }

    /// <summary>The largest growth rate ln|λ|/dt over the modes (1/ms): positive means the rest is unstable.</summary>
    public double LargestGrowthRate => Eigenvalues.Max(l => Math.Log(l.Magnitude)) / DtMs;

    /// <summary>
    /// The slowest mode in words: "stable: the slowest mode decays in 258 ms (2.4 Hz)" or "unstable: a
    /// 8.2 Hz mode grows e-fold every 200 ms". The rest here is the state (v*, banks at their steady
    /// state); the model need not be at equilibrium there, so this reads how deviations evolve near it.
    /// </summary>
    public string Describe()
    {
        Complex slowest = Eigenvalues.MaxBy(l => l.Magnitude);
        double rate = Math.Log(slowest.Magnitude) / DtMs;
        double hz = Math.Abs(slowest.Phase) / (2 * Math.PI * DtMs) * 1000;
        string frequency = hz >= 0.05 ? $"{hz:0.#} Hz" : "not oscillating";
        return rate < 0
            ? $"stable: the slowest mode decays e-fold in {-1 / rate:0} ms ({frequency})"
            : $"unstable: a mode ({frequency}) grows e-fold every {1 / rate:0} ms";
    }

    /// <summary>The rest's state: v* and each current's steady bank state.</summary>
    public void CopyState(out float v, float[][] states)
    {
        v = RestMv;
        for (int c = 0; c < _states.Length; c++) { _states[c].CopyTo(states[c], 0); }
    }

    /// <summary>
    /// d|λ|/dJ[0, k] for every k: how the modulus of eigenvalue <paramref name="lambda"/> moves with
    /// the voltage's row of the Jacobian (the only row that depends on the model's parameters), from
    /// its right and left eigenvectors (found by inverse iteration): dλ = yᵀ dJ r / yᵀ r.
    /// </summary>
    public double[] ModulusSensitivity(Complex lambda)
    {
        Complex shift = lambda + new Complex(1e-9 * (1 + lambda.Magnitude), 1e-9 * (1 + lambda.Magnitude));
        Vector<Complex> right = InverseIteration(Matrix<Complex>.Build.Dense(Size, Size, (r, c) => Jacobian[r, c]), shift);
        Vector<Complex> left = InverseIteration(Matrix<Complex>.Build.Dense(Size, Size, (r, c) => Jacobian[c, r]), shift);
        Complex denominator = left.DotProduct(right);
        Complex unit = Complex.Conjugate(lambda) / lambda.Magnitude;
        var sensitivity = new double[Size];
        for (int k = 0; k < Size; k++)
        {
            sensitivity[k] = (unit * left[0] * right[k] / denominator).Real;
        }

        return sensitivity;
    }

    private Vector<Complex> InverseIteration(Matrix<Complex> a, Complex shift)
    {
        for (int i = 0; i < Size; i++) { a[i, i] -= shift; }
        var lu = a.LU();
        Vector<Complex> x = Vector<Complex>.Build.Dense(Size, k => new Complex(1.0 / (1 + k), 0.5));
        for (int iteration = 0; iteration < 3; iteration++)
        {
            x = lu.Solve(x);
            x /= x.L2Norm();
        }

        return x;
    }

    /// <summary>dv/dt (mV/ms) at voltage v with the given bank states under the rest's current.</summary>
    public float Dvdt(float v, float[][] states)
    {
        float psi = 0f;
        for (int c = 0; c < states.Length; c++) { psi += _model.Currents[c].Evaluate(v, states[c], _scratch); }
        return _model.Dvdt(v, CurrentNa, psi);
    }

    private void FillBankRows()
    {
        int o = 1;
        for (int c = 0; c < _states.Length; c++)
        {
            Current current = _model.Currents[c];
            int n = current.Bank.Size;
            var unit = new float[n];
            for (int j = 0; j < n; j++)
            {
                Array.Clear(unit);
                unit[j] = 1f;
                current.Bank.Step(unit, 0f);
                for (int i = 0; i < n; i++) { Jacobian[o + i, o + j] = unit[i]; }
            }

            Array.Clear(unit);
            current.Bank.Step(unit, 1f);
            double slope = DriveSlope(current.Spec, RestMv);
            for (int i = 0; i < n; i++) { Jacobian[o + i, 0] = unit[i] * slope; }
            o += n;
        }
    }

    private static double DriveSlope(CurrentSpec spec, float v)
    {
        if (spec.Input == BankInput.Voltage) { return 1; }
        const float h = 0.01f;
        return (spec.Drive(v + h) - (double)spec.Drive(v - h)) / (2 * h);
    }

    private void FillVoltageRow()
    {
        float vHigh = RestMv + (float)VoltageStepMv, vLow = RestMv - (float)VoltageStepMv;
        float up = Dvdt(vHigh, _states), down = Dvdt(vLow, _states);
        Jacobian[0, 0] = 1 + DtMs * (up - (double)down) / ((double)vHigh - vLow);
        int o = 1;
        for (int c = 0; c < _states.Length; c++)
        {
            float[] x = _states[c];
            for (int i = 0; i < x.Length; i++)
            {
                float keep = x[i], step = (float)Steps[o + i];
                float high = keep + step, low = keep - step;
                x[i] = high;
                up = Dvdt(RestMv, _states);
                x[i] = low;
                down = Dvdt(RestMv, _states);
                x[i] = keep;
                Jacobian[0, o + i] = DtMs * (up - (double)down) / ((double)high - low);
            }

            o += x.Length;
        }
    }
}
