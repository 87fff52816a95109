namespace RmmEdge.Trainer.Simulation;

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
        _mNa = NaMInf(v); _hNa = NaHInf(v);
        _mCaT = CaTMInf(v); _hCaT = CaTHInf(v);
        _mCaS = CaSMInf(v); _hCaS = CaSHInf(v);
        _mA = AMInf(v); _hA = AHInf(v);
        _mKCa = KCaMInf(v, _ca); _mKd = KdMInf(v); _mH = HMInf(v);
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

        // Calcium: τ_Ca d[Ca]/dt = −f (I_CaT + I_CaS) − [Ca] + [Ca]_0, with I_Ca frozen for the step.
        double iCa = (gCaT + gCaS) * (v - eCa);
        double caInf = Ca0 - CaPerNa * iCa;
        double caNext = caInf + (_ca - caInf) * Math.Exp(-dt / TauCa);

        // Voltage: C dV/dt = A − B·V, exactly integrated over the step.
        double gSum = gNa + gCaT + gCaS + gA + gKCa + gKd + gH + _gLeak + synapticConductance;
        double drive = gNa * ENa + (gCaT + gCaS) * eCa + (gA + gKCa + gKd) * EK + gH * EH + _gLeak * ELeak
            + synapticReversalSum + injected;
        double vInf = drive / gSum;
        double vNext = vInf + (v - vInf) * Math.Exp(-dt * gSum / CapacitanceNf);

        // Gates, each relaxing to its steady state at the old voltage.
        _mNa = Relax(_mNa, NaMInf(v), 2.64 - 2.52 * S((v + 120) / -25), dt);
        _hNa = Relax(_hNa, NaHInf(v), 1.34 * S((v + 62.9) / -10) * (1.5 + S((v + 34.9) / 3.6)), dt);
        _mCaT = Relax(_mCaT, CaTMInf(v), 43.4 - 42.6 * S((v + 68.1) / -20.5), dt);
        _hCaT = Relax(_hCaT, CaTHInf(v), 210 - 179.6 * S((v + 55) / -16.9), dt);
        _mCaS = Relax(_mCaS, CaSMInf(v), 2.8 + 14 / (Math.Exp((v + 27) / 10) + Math.Exp((v + 70) / -13)), dt);
        _hCaS = Relax(_hCaS, CaSHInf(v), 120 + 300 / (Math.Exp((v + 55) / 9) + Math.Exp((v + 65) / -16)), dt);
        _mA = Relax(_mA, AMInf(v), 23.2 - 20.8 * S((v + 32.9) / -15.2), dt);
        _hA = Relax(_hA, AHInf(v), 77.2 - 58.4 * S((v + 38.9) / -26.5), dt);
        _mKCa = Relax(_mKCa, KCaMInf(v, _ca), 180.6 - 150.2 * S((v + 46) / -22.7), dt);
        _mKd = Relax(_mKd, KdMInf(v), 14.4 - 12.8 * S((v + 28.3) / -19.2), dt);
        _mH = Relax(_mH, HMInf(v), 2 / (Math.Exp((v + 169.7) / -11.6) + Math.Exp((v - 26.7) / 14.3)), dt);

        _v = vNext;
        _ca = caNext;
    }

    /// <summary>The logistic s(x) = 1 / (1 + e^x) of the kinetics table.</summary>
    private static double S(double x) => 1 / (1 + Math.Exp(x));

    private static double Relax(double x, double xInf, double tau, double dt) => xInf + (x - xInf) * Math.Exp(-dt / tau);

    private static double NaMInf(double v) => S((v + 25.5) / -5.29);
    private static double NaHInf(double v) => S((v + 48.9) / 5.18);
    private static double CaTMInf(double v) => S((v + 27.1) / -7.2);
    private static double CaTHInf(double v) => S((v + 32.1) / 5.5);
    private static double CaSMInf(double v) => S((v + 33) / -8.1);
    private static double CaSHInf(double v) => S((v + 60) / 6.2);
    private static double AMInf(double v) => S((v + 27.2) / -8.7);
    private static double AHInf(double v) => S((v + 56.9) / 4.9);
    private static double KCaMInf(double v, double ca) => ca / (ca + 3) * S((v + 28.3) / -12.6);
    private static double KdMInf(double v) => S((v + 12.3) / -11.8);
    private static double HMInf(double v) => S((v + 75) / 5.5);
}
