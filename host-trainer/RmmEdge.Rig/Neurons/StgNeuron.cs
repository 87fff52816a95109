using RmmEdge.Rig.Numerics;

namespace RmmEdge.Rig.Neurons;

/// <summary>
/// A single-compartment conductance-based neuron integrated by exponential Euler: every state variable
/// is advanced exactly for one step as if the others were frozen at their values at the start of the
/// step (the scheme of Brian2's <c>exponential_euler</c>). Units: mV, ms, nA, µS, nF.
/// </summary>
public interface IConductanceNeuron
{
    double V { get; }

    /// <summary>Sets every state to its steady state at voltage v (gates) and resting values (ions).</summary>
    void Reset(double v);

    /// <summary>
    /// One step of <paramref name="dt"/> ms with injected current <paramref name="injected"/> (nA) and a
    /// synaptic conductance input: I_syn = Σ g_k (E_k − V) = <paramref name="synapticReversalSum"/> −
    /// <paramref name="synapticConductance"/>·V, given as its total conductance (µS) and Σ g_k E_k (µS·mV).
    /// </summary>
    void Step(double dt, double injected, double synapticConductance, double synapticReversalSum);
}

/// <summary>Maximal conductance densities (mS/cm²) of the Prinz et al. (2003) STG model.</summary>
public sealed record StgConductances(double Na, double CaT, double CaS, double A, double KCa, double Kd, double H, double Leak)
{
    /// <summary>
    /// Parameter set "A": the bursting model neuron of Prinz, Billimoria &amp; Marder (2003) Fig. 2C, as in
    /// shared/data/synthetic (spontaneous bursting with period ≈ 0.84 s and 10 spikes per burst).
    /// </summary>
    public static StgConductances Bursting { get; } = new(100, 0, 4, 0, 15, 50, 0.02, 0.03);

    /// <summary>
    /// Model neurons from the Prinz databases, for benchmarks on cells nobody tuned to (issue 17). Sets
    /// as published (mS/cm²): "a" — neuron A above; "burster-2003" — the burster of Prinz, Bucher &amp;
    /// Marder (2003) Fig. 3 (Na 400, CaS 8, H 0.04, A 50, KCa 20, Kd 50); "abpd-2" — AB/PD 2 of Prinz,
    /// Bucher &amp; Marder (2004) (Na 100, CaT 2.5, CaS 6, H 0.01, A 50, KCa 5, Kd 100); "lp-4" — LP 4 of
    /// the same network (Na 100, CaS 4, H 0.05, A 20, Kd 25, leak 0.03); "py-1" — PY 1 (Na 100, CaT 2.4,
    /// CaS 2, H 0.05, A 50, Kd 125, leak 0.01). What each does in this simulator (its constant-current
    /// table) is printed by `RmmEdge.Bench cells`.
    /// </summary>
    public static IReadOnlyDictionary<string, StgConductances> Catalogue { get; } = new Dictionary<string, StgConductances>
    {
        ["a"] = Bursting,
        ["burster-2003"] = new(400, 0, 8, 50, 20, 50, 0.04, 0),
        ["abpd-2"] = new(100, 2.5, 6, 50, 5, 100, 0.01, 0),
        ["lp-4"] = new(100, 0, 4, 20, 0, 25, 0.05, 0.03),
        ["py-1"] = new(100, 2.4, 2, 50, 0, 125, 0.05, 0.01),
    };

    /// <summary>
    /// Every conductance multiplied by its own 1 + <paramref name="relative"/>·N(0, 1): the same cell with its
    /// parameters moved by a given relative amount (how sensitive its figures are to its own parameters).
    /// </summary>
    public StgConductances Perturbed(double relative, Random random) => new(
        Na * (1 + relative * random.NextGaussian()), CaT * (1 + relative * random.NextGaussian()),
        CaS * (1 + relative * random.NextGaussian()), A * (1 + relative * random.NextGaussian()),
        KCa * (1 + relative * random.NextGaussian()), Kd * (1 + relative * random.NextGaussian()),
        H * (1 + relative * random.NextGaussian()), Leak * (1 + relative * random.NextGaussian()));

    public static StgConductances Named(string name) =>
        Catalogue.TryGetValue(name, out StgConductances? g) ? g
        : throw new UserError($"unknown cell '{UserError.Printable(name)}'; known: {string.Join(", ", Catalogue.Keys)}");
}

/// <summary>
/// The Liu et al. (1998) / Prinz et al. (2003) 8-current stomatogastric neuron with intracellular
/// calcium: I_Na, I_CaT, I_CaS, I_A, I_KCa, I_Kd, I_H, leak; [Ca] driven by the calcium currents with
/// a Nernst E_Ca. Kinetics and constants as listed in shared/data/synthetic/README.md (membrane area
/// 0.628e-3 cm², C = 0.628 nF; 1 mS/cm² = 0.628 µS).
/// </summary>
public sealed class StgNeuron : IConductanceNeuron
{
    public const double AreaCm2 = 0.628e-3;
    public const double CapacitanceNf = 0.628;
    public const double ENa = 50, EK = -80, EH = -20, ELeak = -50;
    public const double CaOut = 3000, Ca0 = 0.05, TauCa = 200, CaPerNa = 14.96, NernstCa = 12.25;

    // Absolute maximal conductances (µS): density (mS/cm²) × area (cm²) × 1000.
    private readonly double _gNa, _gCaT, _gCaS, _gA, _gKCa, _gKd, _gH, _gLeak;

    // State: V, gates, [Ca] (µM).
    private double _v, _mNa, _hNa, _mCaT, _hCaT, _mCaS, _hCaS, _mA, _hA, _mKCa, _mKd, _mH, _ca;

    public StgNeuron(StgConductances g)
    {
        double k = AreaCm2 * 1000;
        _gNa = g.Na * k; _gCaT = g.CaT * k; _gCaS = g.CaS * k; _gA = g.A * k;
        _gKCa = g.KCa * k; _gKd = g.Kd * k; _gH = g.H * k; _gLeak = g.Leak * k;
        Reset(-60);
    }

    public double V => _v;

    public double Calcium => _ca;

    public void Reset(double v)
    {
        _v = v;
        _ca = Ca0;
        Span<double> e = stackalloc double[Kinetics];
        Exponentials(v, e);
        _mNa = S(e[0]); _hNa = S(e[1]);
        _mCaT = S(e[2]); _hCaT = S(e[3]);
        _mCaS = S(e[4]); _hCaS = S(e[5]);
        _mA = S(e[6]); _hA = S(e[7]);
        _mKCa = _ca / (_ca + 3) * S(e[8]); _mKd = S(e[9]); _mH = S(e[10]);
    }

    public void Step(double dt, double injected, double synapticConductance, double synapticReversalSum)
    {
        double v = _v;
        double eCa = NernstCa * Math.Log(CaOut / _ca);

        // Conductances (µS) at the start of the step.
        double m3 = _mNa * _mNa * _mNa;
        double gNa = _gNa * m3 * _hNa;
        double gCaT = _gCaT * _mCaT * _mCaT * _mCaT * _hCaT;
        double gCaS = _gCaS * _mCaS * _mCaS * _mCaS * _hCaS;
        double gA = _gA * _mA * _mA * _mA * _hA;
        double gKCa = _gKCa * Math.Pow(_mKCa, 4);
        double gKd = _gKd * Math.Pow(_mKd, 4);
        double gH = _gH * _mH;
        double gSum = gNa + gCaT + gCaS + gA + gKCa + gKd + gH + _gLeak + synapticConductance;

        // Every exponential of the step at once: the kinetics at the old voltage, then voltage and calcium decay.
        Span<double> e = stackalloc double[Kinetics + 2];
        e[Kinetics] = -dt * gSum / CapacitanceNf;
        e[Kinetics + 1] = -dt / TauCa;
        Exponentials(v, e);

        // Calcium: τ_Ca d[Ca]/dt = −f (I_CaT + I_CaS) − [Ca] + [Ca]_0, with I_Ca frozen for the step.
        double iCa = (gCaT + gCaS) * (v - eCa);
        double caInf = Ca0 - CaPerNa * iCa;
        double caNext = caInf + (_ca - caInf) * e[Kinetics + 1];

        // Voltage: C dV/dt = A − B·V, exactly integrated over the step.
        double drive = gNa * ENa + (gCaT + gCaS) * eCa + (gA + gKCa + gKd) * EK + gH * EH + _gLeak * ELeak
            + synapticReversalSum + injected;
        double vInf = drive / gSum;
        double vNext = vInf + (v - vInf) * e[Kinetics];

        // Gates, each relaxing to its steady state at the old voltage: x∞ + (x − x∞)·e^(−dt/τ), the decays at once.
        Span<double> decay = stackalloc double[Gates];
        decay[0] = -dt / (2.64 - 2.52 * S(e[11]));
        decay[1] = -dt / (1.34 * S(e[12]) * (1.5 + S(e[13])));
        decay[2] = -dt / (43.4 - 42.6 * S(e[14]));
        decay[3] = -dt / (210 - 179.6 * S(e[15]));
        decay[4] = -dt / (2.8 + 14 / (e[16] + e[17]));
        decay[5] = -dt / (120 + 300 / (e[18] + e[19]));
        decay[6] = -dt / (23.2 - 20.8 * S(e[20]));
        decay[7] = -dt / (77.2 - 58.4 * S(e[21]));
        decay[8] = -dt / (180.6 - 150.2 * S(e[22]));
        decay[9] = -dt / (14.4 - 12.8 * S(e[23]));
        decay[10] = -dt / (2 / (e[24] + e[25]));
        TableExp.Apply(decay, decay);
        _mNa = Relax(_mNa, S(e[0]), decay[0]);
        _hNa = Relax(_hNa, S(e[1]), decay[1]);
        _mCaT = Relax(_mCaT, S(e[2]), decay[2]);
        _hCaT = Relax(_hCaT, S(e[3]), decay[3]);
        _mCaS = Relax(_mCaS, S(e[4]), decay[4]);
        _hCaS = Relax(_hCaS, S(e[5]), decay[5]);
        _mA = Relax(_mA, S(e[6]), decay[6]);
        _hA = Relax(_hA, S(e[7]), decay[7]);
        _mKCa = Relax(_mKCa, _ca / (_ca + 3) * S(e[8]), decay[8]);
        _mKd = Relax(_mKd, S(e[9]), decay[9]);
        _mH = Relax(_mH, S(e[10]), decay[10]);

        _v = vNext;
        _ca = caNext;
    }

    private const int Gates = 11, Kinetics = 26;

    /// <summary>
    /// The kinetics table's exponentials at voltage v, e^((v + offset) / divisor), into e[0 … 25]; e[26 …] are taken
    /// as exponents and replaced by their exponentials. e[0 … 10]: the steady states of mNa, hNa, mCaT, hCaT, mCaS,
    /// hCaS, mA, hA, mKCa (its voltage part), mKd, mH as s(e) = 1 / (1 + e); e[11 … 25]: the time constants' terms.
    /// </summary>
    private static void Exponentials(double v, Span<double> e)
    {
        ReadOnlySpan<double> offset = [25.5, 48.9, 27.1, 32.1, 33, 60, 27.2, 56.9, 28.3, 12.3, 75,
            120, 62.9, 34.9, 68.1, 55, 27, 70, 55, 65, 32.9, 38.9, 46, 28.3, 169.7, -26.7];
        ReadOnlySpan<double> divisor = [-5.29, 5.18, -7.2, 5.5, -8.1, 6.2, -8.7, 4.9, -12.6, -11.8, 5.5,
            -25, -10, 3.6, -20.5, -16.9, 10, -13, 9, -16, -15.2, -26.5, -22.7, -19.2, -11.6, 14.3];
        for (int i = 0; i < Kinetics; i++)
        {
            e[i] = (v + offset[i]) / divisor[i];
        }

        TableExp.Apply(e, e);
    }

    /// <summary>The logistic s = 1 / (1 + e^x) of the kinetics table, from e^x.</summary>
    private static double S(double exponential) => 1 / (1 + exponential);

    private static double Relax(double x, double xInf, double decay) => xInf + (x - xInf) * decay;
}
