using RmmEdge.Rig.Numerics;

namespace RmmEdge.Rig.Neurons;

/// <summary>
/// Graded chemical synapse of Abbott &amp; Marder (1998) as used by Prinz, Bucher &amp; Marder (2004):
/// I_syn,post = G·s·(E_syn − V_post), ds/dt = (s∞(V_pre) − s)/τ_s(V_pre),
/// s∞ = 1/(1 + exp((V_th − V_pre)/Δ)), τ_s = (1 − s∞)/k₋. Defaults: the inhibitory "cholinergic"
/// synapse, V_th = −35 mV, Δ = 5 mV, E_syn = −80 mV, k₋ = 1/(100 ms).
/// </summary>
public sealed class GradedSynapse
{
    public GradedSynapse(int pre, int post, double conductanceUs, double reversalMv = -80, double thresholdMv = -35,
        double slopeMv = 5, double decayPerMs = 0.01)
    {
        Pre = pre;
        Post = post;
        ConductanceUs = conductanceUs;
        ReversalMv = reversalMv;
        ThresholdMv = thresholdMv;
        SlopeMv = slopeMv;
        DecayPerMs = decayPerMs;
    }

    public int Pre { get; }
    public int Post { get; }
    public double ConductanceUs { get; }
    public double ReversalMv { get; }
    public double ThresholdMv { get; }
    public double SlopeMv { get; }
    public double DecayPerMs { get; }

    /// <summary>Synaptic activation s ∈ [0, 1].</summary>
    public double S { get; set; }

    /// <summary>Synaptic conductance now (µS).</summary>
    public double Conductance => ConductanceUs * S;

    /// <summary>Current into the postsynaptic cell at its voltage (nA; positive = depolarising).</summary>
    public double Current(double vPost) => Conductance * (ReversalMv - vPost);

    public void Step(double dt, double vPre)
    {
        double sInf = 1 / (1 + TableExp.Of((ThresholdMv - vPre) / SlopeMv));
        double tau = Math.Max((1 - sInf) / DecayPerMs, 1e-9);
        S = sInf + (S - sInf) * TableExp.Of(-dt / tau);
    }
}

/// <summary>
/// Simulated biology: conductance-based neurons coupled by graded synapses, integrated at a fine step
/// (default 0.005 ms, as the reference data) between samples. Sampling convention of the reference
/// data: V_k and I_syn,k are point samples at t_k; the injected current I_k is held over
/// [t_k, t_k + Δt). Feeds the demo, the tests and the emulator's virtual preparation.
/// </summary>
public sealed class Circuit
{
    private readonly IConductanceNeuron[] _neurons;
    private readonly GradedSynapse[] _synapses;
    private readonly double[] _gSyn;
    private readonly double[] _gESyn;

    public Circuit(IConductanceNeuron[] neurons, GradedSynapse[] synapses, double fineStepMs = 0.005)
    {
        foreach (GradedSynapse s in synapses)
        {
            if (s.Pre < 0 || s.Pre >= neurons.Length || s.Post < 0 || s.Post >= neurons.Length)
            {
                throw new ArgumentException($"synapse {s.Pre}→{s.Post} names a neuron that does not exist");
            }
        }

        _neurons = neurons;
        _synapses = synapses;
        _gSyn = new double[neurons.Length];
        _gESyn = new double[neurons.Length];
        FineStepMs = fineStepMs;
    }

    public double FineStepMs { get; }

    public int NeuronCount => _neurons.Length;

    public IReadOnlyList<GradedSynapse> Synapses => _synapses;

    public double Voltage(int neuron) => _neurons[neuron].V;

    /// <summary>Total synaptic current into a neuron now (nA).</summary>
    public double SynapticCurrent(int neuron)
    {
        // Called every sample by Record (and later by the emulator): a loop, not a LINQ query, so nothing allocates.
        double total = 0;
        foreach (GradedSynapse s in _synapses)
        {
            if (s.Post == neuron)
            {
                total += s.Current(_neurons[neuron].V);
            }
        }

        return total;
    }

    /// <summary>The Prinz neuron A alone.</summary>
    public static Circuit SingleStg() => SingleStg(StgConductances.Bursting);

    /// <summary>One Prinz model neuron of conductances <paramref name="g"/> alone.</summary>
    public static Circuit SingleStg(StgConductances g) => new([new StgNeuron(g)], []);

    /// <summary>
    /// The half-centre oscillator of the reference data: two neuron-A cells inhibiting each other through
    /// graded synapses of 30 nS; cell 2 starts at −45 mV to break the symmetry.
    /// </summary>
    public static Circuit HalfCentre(double synapseUs = HalfCentreSynapseUs) => HalfCentre(StgConductances.Bursting, synapseUs);

    /// <summary>The reference half-centre's synapses (µS each way).</summary>
    public const double HalfCentreSynapseUs = 0.030;

    /// <summary>Two cells of conductances <paramref name="g"/> inhibiting each other through graded synapses of <paramref name="synapseUs"/> µS.</summary>
    public static Circuit HalfCentre(StgConductances g, double synapseUs)
    {
        var circuit = new Circuit(
            [new StgNeuron(g), new StgNeuron(g)],
            [new GradedSynapse(1, 0, synapseUs), new GradedSynapse(0, 1, synapseUs)]);
        circuit.Reset([-60, -45]);
        return circuit;
    }

    public void Reset(IReadOnlyList<double> voltages)
    {
        for (int i = 0; i < _neurons.Length; i++) { _neurons[i].Reset(voltages[i]); }
        foreach (GradedSynapse s in _synapses) { s.S = 0; }
    }

    /// <summary>Advances by <paramref name="durationMs"/> with constant injected currents (nA per neuron).</summary>
    public void Advance(double durationMs, ReadOnlySpan<double> injected)
    {
        int steps = (int)Math.Round(durationMs / FineStepMs);
        for (int n = 0; n < steps; n++)
        {
            Array.Clear(_gSyn);
            Array.Clear(_gESyn);
            foreach (GradedSynapse s in _synapses)
            {
                double g = s.Conductance;
                _gSyn[s.Post] += g;
                _gESyn[s.Post] += g * s.ReversalMv;
            }

            // Synapses see the presynaptic voltages at the start of the step, as the neurons do.
            foreach (GradedSynapse s in _synapses) { s.Step(FineStepMs, _neurons[s.Pre].V); }
            for (int i = 0; i < _neurons.Length; i++) { _neurons[i].Step(FineStepMs, injected[i], _gSyn[i], _gESyn[i]); }
        }
    }
}
