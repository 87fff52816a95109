namespace RmmEdge.Trainer.Model;

/// <summary>
/// Runs a <see cref="Network"/> forward in time, one Euler step per sample (the model's own map, the
/// same one the microcontroller runs). Modes: free run (modelled voltages feed back), teacher forced
/// (measured voltages drive the banks), and generalized teacher forcing in between:
/// the voltage fed to the banks is γ·v_data + (1−γ)·v_model. External neurons always use data.
/// Allocation-free per step after construction.
/// </summary>
public sealed class NetworkRunner
{
    /// <summary>Voltages outside this range (mV) mean the model has diverged; they are clamped there.</summary>
    public const float VoltageFloor = -200f, VoltageCeiling = 150f;

    private readonly Network _network;
    private readonly float[][] _states;
    private readonly float[] _scratch;
    private readonly float[] _v;
    private readonly float[] _dvdt;
    private readonly float[] _currentValues;

    public NetworkRunner(Network network)
    {
        _network = network;
        Current[] currents = network.Currents.ToArray();
        Currents = currents;
        _states = currents.Select(c => new float[c.Bank.Size]).ToArray();
        _scratch = new float[currents.Max(c => c.ScratchSize)];
        _v = new float[network.NeuronCount];
        _dvdt = new float[network.NeuronCount];
        _currentValues = new float[currents.Length];
        Removed = new bool[currents.Length];
    }

    /// <summary>Every current of the network, in the order of <see cref="CurrentValues"/>.</summary>
    public Current[] Currents { get; }

    /// <summary>Voltage of every neuron (mV) at the current step.</summary>
    public ReadOnlySpan<float> Voltages => _v;

    /// <summary>ψ of every current (nA) computed by the last <see cref="Step"/>.</summary>
    public ReadOnlySpan<float> CurrentValues => _currentValues;

    /// <summary>dv/dt (mV/ms) of every modelled neuron computed by the last step.</summary>
    public ReadOnlySpan<float> Derivatives => _dvdt;

    /// <summary>
    /// In-silico removal: currents marked here contribute nothing to dv/dt (their ψ is still computed
    /// and reported, so a user sees what the removed current would have carried). All false by default.
    /// </summary>
    public bool[] Removed { get; }

    /// <summary>Whether any modelled voltage hit the divergence clamp.</summary>
    public bool Diverged { get; private set; }

    public float[] BankState(int current) => _states[current];

    /// <summary>Starts at voltages v0 with every bank at its steady state for its source's v0.</summary>
    public void Reset(ReadOnlySpan<float> v0)
    {
        v0.CopyTo(_v);
        for (int c = 0; c < Currents.Length; c++)
        {
            Currents[c].Bank.SteadyState(Currents[c].Spec.Drive(_v[Currents[c].Source]), _states[c]);
        }

        Diverged = false;
    }

    /// <summary>
    /// One step from k to k+1. <paramref name="current"/>: injected current per neuron (nA) during the
    /// step. <paramref name="measured"/>: measured voltage per neuron at k (used for external neurons,
    /// and mixed in by γ for modelled ones; may be empty when γ = 0 and nothing is external).
    /// </summary>
    public void Step(ReadOnlySpan<float> current, ReadOnlySpan<float> measured, float gamma)
    {
        // Voltages that drive the banks and currents at step k.
        for (int i = 0; i < _v.Length; i++)
        {
            if (_network.Spec.Neurons[i].External)
            {
                _v[i] = measured[i];
            }
            else if (gamma > 0f)
            {
                _v[i] = gamma * measured[i] + (1f - gamma) * _v[i];
            }
        }

        Array.Clear(_dvdt);

        for (int c = 0; c < Currents.Length; c++)
        {
            Current cur = Currents[c];
            float psi = cur.Evaluate(_v[cur.Owner], _states[c], _scratch);
            _currentValues[c] = psi;
            if (!Removed[c])
            {
                _dvdt[cur.Owner] -= psi;
            }
        }

        foreach (NeuronModel m in _network.Models)
        {
            int i = m.Index;
            _dvdt[i] = m.Dvdt(_v[i], current[i], -_dvdt[i]);
        }

        for (int c = 0; c < Currents.Length; c++)
        {
            Currents[c].Bank.Step(_states[c], Currents[c].Spec.Drive(_v[Currents[c].Source]));
        }

        float dt = (float)_network.DtMs;
        foreach (NeuronModel m in _network.Models)
        {
            int i = m.Index;
            float next = _v[i] + dt * _dvdt[i];
            if (!(next > VoltageFloor && next < VoltageCeiling))
            {
                next = float.IsNaN(next) || next <= VoltageFloor ? VoltageFloor : VoltageCeiling;
                Diverged = true;
            }

            _v[i] = next;
        }
    }
}
