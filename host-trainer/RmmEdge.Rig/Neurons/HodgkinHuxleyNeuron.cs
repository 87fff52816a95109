namespace RmmEdge.Rig.Neurons;

/// <summary>
/// The Hodgkin–Huxley (1952) squid axon in the modern convention (rest ≈ −65 mV): C = 1 µF/cm²,
/// g_Na = 120, g_K = 36, g_L = 0.3 mS/cm², E_Na = 50, E_K = −77, E_L = −54.387 mV, on a patch of
/// <see cref="AreaCm2"/> so that currents are in nA (1e-4 cm²: C = 0.1 nF, rheobase ≈ 0.7 nA).
/// Exponential Euler like <see cref="StgNeuron"/>.
/// </summary>
public sealed class HodgkinHuxleyNeuron : IConductanceNeuron
{
    public const double AreaCm2 = 1e-4;
    public const double ENa = 50, EK = -77, ELeak = -54.387;

    private readonly double _c = 1.0 * AreaCm2 * 1000;          // nF
    private readonly double _gNa = 120 * AreaCm2 * 1000;        // µS
    private readonly double _gK = 36 * AreaCm2 * 1000;
    private readonly double _gL = 0.3 * AreaCm2 * 1000;
    private double _v, _m, _h, _n;

    public HodgkinHuxleyNeuron() => Reset(-65);

    public double V => _v;

    public void Reset(double v)
    {
        _v = v;
        _m = Am(v) / (Am(v) + Bm(v));
        _h = Ah(v) / (Ah(v) + Bh(v));
        _n = An(v) / (An(v) + Bn(v));
    }

    public void Step(double dt, double injected, double synapticConductance, double synapticReversalSum)
    {
        double v = _v;
        double gNa = _gNa * _m * _m * _m * _h, gK = _gK * Math.Pow(_n, 4);
        double gSum = gNa + gK + _gL + synapticConductance;
        double vInf = (gNa * ENa + gK * EK + _gL * ELeak + synapticReversalSum + injected) / gSum;
        _v = vInf + (v - vInf) * Math.Exp(-dt * gSum / _c);
        _m = Gate(_m, Am(v), Bm(v), dt);
        _h = Gate(_h, Ah(v), Bh(v), dt);
        _n = Gate(_n, An(v), Bn(v), dt);
    }

    private static double Gate(double x, double a, double b, double dt)
    {
        double tau = 1 / (a + b);
        return a * tau + (x - a * tau) * Math.Exp(-dt / tau);
    }

    // Rate functions (1/ms); the removable singularities are handled by their limits.
    private static double Am(double v) => Math.Abs(v + 40) < 1e-7 ? 1.0 : 0.1 * (v + 40) / (1 - Math.Exp(-(v + 40) / 10));
    private static double Bm(double v) => 4 * Math.Exp(-(v + 65) / 18);
    private static double Ah(double v) => 0.07 * Math.Exp(-(v + 65) / 20);
    private static double Bh(double v) => 1 / (1 + Math.Exp(-(v + 35) / 10));
    private static double An(double v) => Math.Abs(v + 55) < 1e-7 ? 0.1 : 0.01 * (v + 55) / (1 - Math.Exp(-(v + 55) / 10));
    private static double Bn(double v) => 0.125 * Math.Exp(-(v + 65) / 80);
}
