using Complex = System.Numerics.Complex;
using MathNet.Numerics.LinearAlgebra;

namespace RmmEdge.Trainer.Model;

/// <summary>
/// The step map of one neuron, or of a circuit of neurons all modelled (a pair) — the
/// <see cref="NetworkRunner"/>'s: an Euler step of each v, and every bank stepped with its drive of its
/// source's v — linearised at a rest: voltages v*, injected currents i₀, every bank at its steady state
/// for its source's v*. The state is, neuron by neuron, v followed by the bank states of each of its
/// currents in order (a synapse's bank belongs to the neuron it flows into). The banks' rows are exact (a
/// bank is linear in its state and its drive); each voltage's row is measured by central differences of
/// that neuron's dv/dt, each step 1 % of that input's normalised range. The rest is stable when every
/// eigenvalue lies inside the unit circle; ln|λ|/dt is a mode's growth rate.
/// </summary>
public sealed class RestLinearisation
{
    private readonly NeuronModel[] _models;
    private readonly float[][][] _states;
    private readonly float[] _scratch;
    private readonly int[] _offsets;
    private readonly float[] _restMv;
    private readonly float[] _currentNa;

    private RestLinearisation(NeuronModel[] models, double dtMs, float[] restMv, float[] currentNa)
    {
        _models = models;
        DtMs = dtMs;
        _restMv = restMv;
        _currentNa = currentNa;
        _states = models.Select(m => m.Currents.Select(c => new float[c.Bank.Size]).ToArray()).ToArray();
        _scratch = new float[models.SelectMany(m => m.Currents).Max(c => c.ScratchSize)];
        _offsets = new int[models.Length];
        Size = 0;
        for (int n = 0; n < models.Length; n++)
        {
            _offsets[n] = Size;
            Size += 1 + _states[n].Sum(x => x.Length);
        }

        Steps = new double[Size];
        for (int n = 0; n < models.Length; n++)
        {
            Steps[_offsets[n]] = VoltageStepMv;
            int o = _offsets[n] + 1;
            for (int k = 0; k < models[n].Currents.Length; k++)
            {
                Current c = models[n].Currents[k];
                c.Bank.SteadyState(c.Spec.Drive(restMv[Slot(c.Source)]), _states[n][k]);
                int shift = c.VoltageInputs;
                for (int i = 0; i < c.Bank.Size; i++)
                {
                    Steps[o + i] = RelativeStep / c.Normalizer.Scale[shift + i];
                    _states[n][k][i] = InsideCorner(_states[n][k][i], c.Normalizer.Center[shift + i], c.Normalizer.Scale[shift + i]);
                }

                o += c.Bank.Size;
            }
        }

        Jacobian = new double[Size, Size];
        for (int n = 0; n < models.Length; n++)
        {
            FillBankRows(n);
            FillVoltageRow(n);
        }

        Eigenvalues = Matrix<double>.Build.DenseOfArray(Jacobian).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Asymmetric).EigenValues.ToArray();
    }

    /// <summary>The position in the linearised neurons of network neuron <paramref name="index"/>.</summary>
    private int Slot(int index) => SlotOf(_models, index);

    /// <summary>The position among <paramref name="models"/> of network neuron <paramref name="index"/> (a current's source).</summary>
    private static int SlotOf(NeuronModel[] models, int index) => Array.FindIndex(models, m => m.Index == index);

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

    /// <summary>Whether one neuron can be linearised on its own: it has currents, and every one is driven by its own voltage (no synapses).</summary>
    public static bool Applies(NeuronModel model) => Applies([model]);

    /// <summary>
    /// Whether these neurons can be linearised together: one or two (<see cref="Equilibria(IReadOnlyList{NeuronModel}, float)"/>
    /// searches a plane at most), each with currents, every current driven by one of them (no measured neuron).
    /// </summary>
    public static bool Applies(IReadOnlyList<NeuronModel> models) =>
        models.Count is 1 or 2 && models.All(m => m.Currents.Length > 0 && m.Currents.All(c => models.Any(s => s.Index == c.Source)));

    /// <summary>The linearisation of <paramref name="model"/> at rest <paramref name="restMv"/> under <paramref name="currentNa"/>.</summary>
    public static RestLinearisation At(NeuronModel model, double dtMs, float restMv, float currentNa) => At([model], dtMs, [restMv], [currentNa]);

    /// <summary>The linearisation of the circuit of <paramref name="models"/> at rest voltages <paramref name="restMv"/> under currents <paramref name="currentNa"/> (one per neuron, in order).</summary>
    public static RestLinearisation At(IReadOnlyList<NeuronModel> models, double dtMs, float[] restMv, float[] currentNa)
    {
        if (!Applies(models))
        {
            throw new ArgumentException($"{string.Join(", ", models.Select(m => m.Spec.Name))}: the rest linearisation needs one or two modelled neurons, every current driven by one of them", nameof(models));
        }

        if (restMv.Length != models.Count || currentNa.Length != models.Count)
        {
            throw new ArgumentException($"{models.Count} neurons, {restMv.Length} rest voltages and {currentNa.Length} currents", nameof(restMv));
        }

        return new RestLinearisation([.. models], dtMs, restMv, currentNa);
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
        if (!Applies(model))
        {
            throw new ArgumentException($"{model.Spec.Name}: a neuron's own equilibria need every current driven by its own voltage", nameof(model));
        }

        var steady = new SteadyCircuit([model], currentNa);
        float[] v = new float[1];
        float SteadyDvdt(float x)
        {
            v[0] = x;
            return steady.Dvdt(0, v);
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

    /// <summary>
    /// The equilibria of one neuron (<see cref="Equilibria(NeuronModel, float)"/>) or of a pair under
    /// <paramref name="currentNa"/> into each: the voltages (one per neuron, in order) where every neuron's
    /// dv/dt vanishes with every bank at its steady state for its source's voltage. A pair's are found on the
    /// square [<see cref="EquilibriumLowMv"/>, <see cref="EquilibriumHighMv"/>]²: both steady dv/dt tabulated on a
    /// <see cref="PlaneGridMv"/> grid (the synapses' banks for the other neuron's voltage), and from every grid
    /// cell where both change sign, Newton's method on the two (Jacobian by central differences, steps no longer
    /// than a cell) to 10⁻⁴ mV. Ordered by the first neuron's voltage, then the second's; one within its
    /// difference step of a clamp's corner is left out, as for one neuron.
    /// </summary>
    public static float[][] Equilibria(IReadOnlyList<NeuronModel> models, float currentNa)
    {
        if (!Applies(models))
        {
            throw new ArgumentException($"{string.Join(", ", models.Select(m => m.Spec.Name))}: equilibria need one or two modelled neurons, every current driven by one of them", nameof(models));
        }

        if (models.Count == 1)
        {
            return [.. Equilibria(models[0], currentNa).Select(v => new[] { v })];
        }

        var steady = new SteadyCircuit([.. models], currentNa);
        int g = (int)Math.Round((EquilibriumHighMv - EquilibriumLowMv) / PlaneGridMv) + 1;
        float Grid(int i) => EquilibriumLowMv + i * PlaneGridMv;
        var table = new float[2][];
        for (int n = 0; n < 2; n++) { table[n] = steady.Tabulate(n, g, Grid); }

        var roots = new List<float[]>();
        for (int i = 0; i + 1 < g; i++)
        {
            for (int j = 0; j + 1 < g; j++)
            {
                if (!ChangesSign(table[0], g, i, j) || !ChangesSign(table[1], g, i, j)) { continue; }
                if (steady.Newton(Grid(i) + 0.5f * PlaneGridMv, Grid(j) + 0.5f * PlaneGridMv, PlaneGridMv) is not { } root) { continue; }
                if (roots.Any(r => Math.Abs(r[0] - root[0]) < 0.01f && Math.Abs(r[1] - root[1]) < 0.01f)) { continue; }
                if (models.Select((m, n) => NearClampCorner(m, root[n])).Any(near => near)) { continue; }
                roots.Add(root);
            }
        }

        return [.. roots.OrderBy(r => r[0]).ThenBy(r => r[1])];
    }

    /// <summary>Whether the tabulated dv/dt (first neuron's voltage i, second's j; row-major) changes sign over the cell from (i, j) to (i + 1, j + 1).</summary>
    private static bool ChangesSign(float[] table, int g, int i, int j)
    {
        float a = table[i * g + j], b = table[i * g + j + 1], c = table[(i + 1) * g + j], d = table[(i + 1) * g + j + 1];
        float min = Math.Min(Math.Min(a, b), Math.Min(c, d)), max = Math.Max(Math.Max(a, b), Math.Max(c, d));
        return min <= 0 && max >= 0;
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
    /// The range and scan step of <see cref="Equilibria(NeuronModel, float)"/> (mV). The range reaches above the spike peaks of every
    /// recording here (neuron A's spikes peak at +43 mV; lp-4's training record reaches +47 mV): a model can sit silent at a spike's peak under a
    /// current where the cell fires (a catalogue lp-4 model, batch 4,096, seed 1, at +31 mV from +0.5 nA), and
    /// up to +20 mV, as the scan was, it saw none of that.
    /// </summary>
    public const float EquilibriumLowMv = -100, EquilibriumHighMv = 60, EquilibriumScanMv = 0.25f;

    /// <summary>
    /// The grid (mV) on which a pair's steady dv/dt are tabulated before Newton's method: 161² points. A pair of
    /// equilibria closer than this in both voltages can show as one cell with no sign change and be missed.
    /// </summary>
    public const float PlaneGridMv = 1f;

    public double DtMs { get; }

    /// <summary>The rest's voltage of each neuron (mV), in order.</summary>
    public IReadOnlyList<float> RestMv => _restMv;

    /// <summary>The current injected into each neuron (nA), in order.</summary>
    public IReadOnlyList<float> CurrentNa => _currentNa;

    /// <summary>The number of neurons linearised together.</summary>
    public int NeuronCount => _models.Length;

    /// <summary>Number of state variables: every neuron's v and bank states.</summary>
    public int Size { get; }

    /// <summary>The step map's Jacobian at the rest, state order neuron by neuron: v, then each current's bank.</summary>
    public double[,] Jacobian { get; }

    public Complex[] Eigenvalues { get; }

    /// <summary>Central-difference step of each state variable (mV for v, raw state units for the banks).</summary>
    public double[] Steps { get; }

    /// <summary>Where neuron <paramref name="neuron"/>'s block (its v, then its banks) begins in the state.</summary>
    public int Offset(int neuron) => _offsets[neuron];

    /// <summary>The length of neuron <paramref name="neuron"/>'s block: 1 + its bank states.</summary>
    public int BlockSize(int neuron) => 1 + _states[neuron].Sum(x => x.Length);

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

    /// <summary>Neuron <paramref name="neuron"/>'s part of the rest's state: v* and each of its currents' steady bank state.</summary>
    public void CopyState(int neuron, out float v, float[][] states)
    {
        v = _restMv[neuron];
        for (int c = 0; c < _states[neuron].Length; c++) { _states[neuron][c].CopyTo(states[c], 0); }
    }

    /// <summary>
    /// d|λ|/dJ[v_n, k] for each neuron n and every k of its block (<see cref="Offset"/>): how the modulus of
    /// eigenvalue <paramref name="lambda"/> moves with neuron n's voltage row of the Jacobian (the only rows
    /// that depend on the model's parameters, and only on neuron n's, which reach only its own block), from
    /// the right and left eigenvectors (found by inverse iteration): dλ = yᵀ dJ r / yᵀ r.
    /// </summary>
    public double[][] ModulusSensitivity(Complex lambda)
    {
        Complex shift = lambda + new Complex(1e-9 * (1 + lambda.Magnitude), 1e-9 * (1 + lambda.Magnitude));
        Vector<Complex> right = InverseIteration(Matrix<Complex>.Build.Dense(Size, Size, (r, c) => Jacobian[r, c]), shift);
        Vector<Complex> left = InverseIteration(Matrix<Complex>.Build.Dense(Size, Size, (r, c) => Jacobian[c, r]), shift);
        Complex denominator = left.DotProduct(right);
        Complex unit = Complex.Conjugate(lambda) / lambda.Magnitude;
        var sensitivity = new double[_models.Length][];
        for (int n = 0; n < _models.Length; n++)
        {
            int o = _offsets[n];
            sensitivity[n] = new double[BlockSize(n)];
            for (int k = 0; k < sensitivity[n].Length; k++)
            {
                sensitivity[n][k] = (unit * left[o] * right[o + k] / denominator).Real;
            }
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

    /// <summary>Neuron <paramref name="neuron"/>'s dv/dt (mV/ms) at voltage v with the given bank states of its currents, under the rest's current.</summary>
    public float Dvdt(int neuron, float v, float[][] states)
    {
        NeuronModel model = _models[neuron];
        float psi = 0f;
        for (int c = 0; c < states.Length; c++) { psi += model.Currents[c].Evaluate(v, states[c], _scratch); }
        return model.Dvdt(v, _currentNa[neuron], psi);
    }

    private void FillBankRows(int neuron)
    {
        int o = _offsets[neuron] + 1;
        NeuronModel model = _models[neuron];
        for (int c = 0; c < model.Currents.Length; c++)
        {
            Current current = model.Currents[c];
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
            int source = Slot(current.Source);
            double slope = DriveSlope(current.Spec, _restMv[source]);
            for (int i = 0; i < n; i++) { Jacobian[o + i, _offsets[source]] = unit[i] * slope; }
            o += n;
        }
    }

    private static double DriveSlope(CurrentSpec spec, float v)
    {
        if (spec.Input == BankInput.Voltage) { return 1; }
        const float h = 0.01f;
        return (spec.Drive(v + h) - (double)spec.Drive(v - h)) / (2 * h);
    }

    private void FillVoltageRow(int neuron)
    {
        int row = _offsets[neuron];
        float rest = _restMv[neuron];
        float[][] states = _states[neuron];
        float vHigh = rest + (float)VoltageStepMv, vLow = rest - (float)VoltageStepMv;
        float up = Dvdt(neuron, vHigh, states), down = Dvdt(neuron, vLow, states);
        Jacobian[row, row] = 1 + DtMs * (up - (double)down) / ((double)vHigh - vLow);
        int o = row + 1;
        foreach (float[] x in states)
        {
            for (int i = 0; i < x.Length; i++)
            {
                float keep = x[i], step = (float)Steps[o + i];
                float high = keep + step, low = keep - step;
                x[i] = high;
                up = Dvdt(neuron, rest, states);
                x[i] = low;
                down = Dvdt(neuron, rest, states);
                x[i] = keep;
                Jacobian[row, o + i] = DtMs * (up - (double)down) / ((double)high - low);
            }

            o += x.Length;
        }
    }

    /// <summary>
    /// The neurons' dv/dt with every bank at its steady state for its source's voltage, under one current
    /// into each: what an equilibrium zeroes. Holds the bank states and scratch it needs.
    /// </summary>
    private sealed class SteadyCircuit(NeuronModel[] models, float currentNa)
    {
        private readonly float[][][] _states = models.Select(m => m.Currents.Select(c => new float[c.Bank.Size]).ToArray()).ToArray();
        private readonly float[] _scratch = new float[models.SelectMany(m => m.Currents).Max(c => c.ScratchSize)];

        /// <summary>For each neuron's each current, the position of its source among the models: looked up once, not per evaluation.</summary>
        private readonly int[][] _sources = [.. models.Select(m => m.Currents.Select(c => SlotOf(models, c.Source)).ToArray())];

        /// <summary>Neuron <paramref name="n"/>'s steady dv/dt (mV/ms) at voltages <paramref name="v"/> (one per neuron).</summary>
        public float Dvdt(int n, ReadOnlySpan<float> v)
        {
            NeuronModel model = models[n];
            float psi = 0f;
            for (int c = 0; c < model.Currents.Length; c++)
            {
                Current current = model.Currents[c];
                current.Bank.SteadyState(current.Spec.Drive(v[_sources[n][c]]), _states[n][c]);
                psi += current.Evaluate(v[n], _states[n][c], _scratch);
            }

            return model.Dvdt(v[n], currentNa, psi);
        }

        /// <summary>
        /// Neuron <paramref name="n"/>'s steady dv/dt of a pair at the first neuron's voltage grid(i) and the
        /// second's grid(j), at [i·g + j]. A current driven by the neuron's own voltage is evaluated once per
        /// voltage, one driven by the other's once per pair of voltages.
        /// </summary>
        public float[] Tabulate(int n, int g, Func<int, float> grid)
        {
            NeuronModel model = models[n];
            var table = new float[g * g];
            var own = new float[g];
            for (int a = 0; a < g; a++)
            {
                for (int c = 0; c < model.Currents.Length; c++)
                {
                    Current current = model.Currents[c];
                    if (current.Source != model.Index) { continue; }
                    current.Bank.SteadyState(current.Spec.Drive(grid(a)), _states[n][c]);
                    own[a] += current.Evaluate(grid(a), _states[n][c], _scratch);
                }
            }

            for (int b = 0; b < g; b++)
            {
                for (int c = 0; c < model.Currents.Length; c++)
                {
                    Current current = model.Currents[c];
                    if (current.Source == model.Index) { continue; }
                    current.Bank.SteadyState(current.Spec.Drive(grid(b)), _states[n][c]);
                }

                for (int a = 0; a < g; a++)
                {
                    float psi = own[a];
                    for (int c = 0; c < model.Currents.Length; c++)
                    {
                        Current current = model.Currents[c];
                        if (current.Source != model.Index) { psi += current.Evaluate(grid(a), _states[n][c], _scratch); }
                    }

                    // Row-major in (first neuron's voltage, second's): neuron n's own voltage is index a.
                    table[n == 0 ? a * g + b : b * g + a] = model.Dvdt(grid(a), currentNa, psi);
                }
            }

            return table;
        }

        /// <summary>
        /// Newton's method on both neurons' steady dv/dt from (<paramref name="v1"/>, <paramref name="v2"/>), each
        /// step no longer than <paramref name="maxStepMv"/>; the root when a step falls below 10⁻⁴ mV within 50
        /// steps and inside the equilibrium range, else null.
        /// </summary>
        public float[]? Newton(float v1, float v2, float maxStepMv)
        {
            const float h = 0.01f;
            Span<float> v = [v1, v2];
            for (int iteration = 0; iteration < 50; iteration++)
            {
                double f1 = Dvdt(0, v), f2 = Dvdt(1, v);
                double[,] j = new double[2, 2];
                for (int k = 0; k < 2; k++)
                {
                    float keep = v[k];
                    v[k] = keep + h;
                    double u1 = Dvdt(0, v), u2 = Dvdt(1, v);
                    v[k] = keep - h;
                    double d1 = Dvdt(0, v), d2 = Dvdt(1, v);
                    v[k] = keep;
                    j[0, k] = (u1 - d1) / (2 * h);
                    j[1, k] = (u2 - d2) / (2 * h);
                }

                double determinant = j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0];
                if (!(Math.Abs(determinant) > 0) || !double.IsFinite(determinant)) { return null; }
                double s1 = -(j[1, 1] * f1 - j[0, 1] * f2) / determinant, s2 = -(j[0, 0] * f2 - j[1, 0] * f1) / determinant;
                double length = Math.Max(Math.Abs(s1), Math.Abs(s2));
                if (length > maxStepMv) { s1 *= maxStepMv / length; s2 *= maxStepMv / length; }
                v[0] += (float)s1;
                v[1] += (float)s2;
                if (!(v[0] >= EquilibriumLowMv && v[0] <= EquilibriumHighMv && v[1] >= EquilibriumLowMv && v[1] <= EquilibriumHighMv)) { return null; }
                if (length < 1e-4) { return [v[0], v[1]]; }
            }

            return null;
        }
    }
}
