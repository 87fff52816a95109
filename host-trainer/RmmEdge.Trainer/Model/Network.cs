namespace RmmEdge.Trainer.Model;

/// <summary>
/// A modelled neuron: v[k+1] = v[k] + dt·c⁻¹·(I_app[k] − g_L (v[k] − E_L) − Σ ψ_c(v[k], x_c[k])).
/// c⁻¹ = softplus(raw) (1/nF), g_L = softplus(raw) (µS), E_L in mV.
/// </summary>
public sealed class NeuronModel
{
    public NeuronModel(int index, NeuronSpec spec, Current[] currents)
    {
        Index = index;
        Spec = spec;
        Currents = currents;
        InverseCapacitanceRaw = new Parameter($"{spec.Name}.cinv", 1);
        InverseCapacitanceRaw.Value[0] = Softplus.Inverse((float)(1.0 / spec.CapacitanceNf));
        LeakConductanceRaw = new Parameter($"{spec.Name}.gL", 1);
        LeakConductanceRaw.Value[0] = Softplus.Inverse((float)spec.LeakConductanceUs);
        LeakReversal = new Parameter($"{spec.Name}.EL", 1);
        LeakReversal.Value[0] = (float)spec.LeakReversalMv;
    }

    public int Index { get; }

    public NeuronSpec Spec { get; }

    public Current[] Currents { get; }

    public Parameter InverseCapacitanceRaw { get; }

    public Parameter LeakConductanceRaw { get; }

    public Parameter LeakReversal { get; }

    public float InverseCapacitance => Softplus.Value(InverseCapacitanceRaw.Value[0]);

    public float LeakConductance => Softplus.Value(LeakConductanceRaw.Value[0]);

    public float LeakReversalMv => LeakReversal.Value[0];

    public IEnumerable<Parameter> Parameters =>
        new[] { InverseCapacitanceRaw, LeakConductanceRaw, LeakReversal }.Concat(Currents.SelectMany(c => c.Parameters));
}

/// <summary>
/// The float RMM: neurons (modelled or external), each modelled neuron with its leak, capacitance and
/// currents (intrinsic and synaptic), each current with its own filter bank. Built from a
/// <see cref="NetworkSpec"/> and a seed; trained in place.
/// </summary>
public sealed class Network
{
    public Network(NetworkSpec spec, int seed)
    {
        Spec = spec;
        string? duplicate = spec.Neurons.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1)?.Key
            ?? spec.Neurons.SelectMany(n => (n.Currents ?? []).GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => n.Name + "/" + g.Key)).FirstOrDefault();
        if (duplicate is not null)
        {
            throw new ArgumentException($"name '{duplicate}' is used twice; neuron names, and current names within a neuron, must be unique");
        }

        var random = new Random(seed);
        var models = new List<NeuronModel>();
        for (int i = 0; i < spec.Neurons.Length; i++)
        {
            NeuronSpec n = spec.Neurons[i];
            if (n.External)
            {
                continue;
            }

            Current[] currents = (n.Currents ?? []).Select(c =>
            {
                if (c.Source < 0 || c.Source >= spec.Neurons.Length)
                {
                    throw new ArgumentException($"{n.Name}/{c.Name}: source neuron {c.Source} does not exist");
                }

                return c.Kind == CurrentKind.Lumped
                    ? (Current)new LumpedCurrent(c, i, n.Name, spec.DtMs, spec.Ridge, random)
                    : new GatingCurrent(c, i, n.Name, spec.DtMs, spec.Ridge, random);
            }).ToArray();
            models.Add(new NeuronModel(i, n, currents));
        }

        if (models.Count == 0)
        {
            throw new ArgumentException("a network needs at least one modelled neuron");
        }

        Models = models.ToArray();
    }

    public NetworkSpec Spec { get; }

    public double DtMs => Spec.DtMs;

    public int NeuronCount => Spec.Neurons.Length;

    /// <summary>The modelled neurons, in neuron-index order.</summary>
    public NeuronModel[] Models { get; }

    public IEnumerable<Current> Currents => Models.SelectMany(m => m.Currents);

    public IEnumerable<Parameter> Parameters => Models.SelectMany(m => m.Parameters);

    public int ParameterCount => Parameters.Sum(p => p.Size);

    /// <summary>Largest warm-up (samples) over all banks: how long the filters need to forget their start.</summary>
    public int WarmupSamples => Currents.Max(c => c.Bank.WarmupSamples);

    public void RefreshEffective()
    {
        foreach (Current c in Currents)
        {
            c.RefreshEffective();
        }
    }

    /// <summary>A copy of every parameter value, in <see cref="Parameters"/> order.</summary>
    public float[][] Snapshot() => Parameters.Select(p => (float[])p.Value.Clone()).ToArray();

    public void Restore(float[][] snapshot)
    {
        int i = 0;
        foreach (Parameter p in Parameters)
        {
            snapshot[i++].CopyTo(p.Value, 0);
        }

        RefreshEffective();
    }
}
