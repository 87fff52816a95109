using RmmEdge.Rig;
using RmmEdge.Rig.Numerics;

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

    /// <summary>dv/dt (mV/ms) at voltage v under injected current i (nA), given the sum of the currents' ψ (nA).</summary>
    public float Dvdt(float v, float injected, float psiSum) => InverseCapacitance * (injected - LeakConductance * (v - LeakReversalMv) - psiSum);

    public IEnumerable<Parameter> Parameters =>
        new[] { InverseCapacitanceRaw, LeakConductanceRaw, LeakReversal }.Concat(Currents.SelectMany(c => c.Parameters));

    /// <summary>
    /// The voltages (mV) the neuron's currents were trained on: the span that their voltage input's
    /// normalisation maps to [−1, 1] (the training data's min and max), widest over the currents that
    /// take the voltage as an input; null when none does. Beyond it the inputs saturate
    /// (<see cref="InputNormalizer"/>): those currents stop changing and only the leak acts, so a free
    /// run there is the model's extrapolation, not what it learned.
    /// </summary>
    public (float LowMv, float HighMv)? TrainedVoltageRange
    {
        get
        {
            (float, float)? range = null;
            foreach (LumpedCurrent current in Currents.OfType<LumpedCurrent>().Where(c => c.VoltageInputs == 1))
            {
                float center = current.Normalizer.Center[0], half = InputNormalizer.Limit / current.Normalizer.Scale[0];
                range = range is (float low, float high) ? (Math.Min(low, center - half), Math.Max(high, center + half)) : (center - half, center + half);
            }

            return range;
        }
    }
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
        SpecLimits.Check(spec);
        Spec = spec;
        string? duplicate = spec.Neurons.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1)?.Key
            ?? spec.Neurons.SelectMany(n => (n.Currents ?? []).GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => n.Name + "/" + g.Key)).FirstOrDefault();
        if (duplicate is not null)
        {
            throw new ArgumentException($"name '{duplicate}' is used twice; neuron names, and current names within a neuron, must be unique");
        }

        var random = new Random(seed);
        var models = new List<NeuronModel>();
        var all = new List<Current>();
        var onMeasured = new List<Current>();
        for (int i = 0; i < spec.Neurons.Length; i++)
        {
            NeuronSpec n = spec.Neurons[i];
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
            all.AddRange(currents);
            if (n.External)
            {
                onMeasured.AddRange(currents);   // computed, never integrated: what the board injects into a measured cell
            }
            else
            {
                models.Add(new NeuronModel(i, n, currents));
            }
        }

        if (models.Count == 0 && onMeasured.Count == 0)
        {
            throw new ArgumentException("a network needs a modelled neuron or a current into a measured one");
        }

        Models = models.ToArray();
        Currents = all.ToArray();
        MeasuredCurrents = onMeasured.ToArray();
    }

    public NetworkSpec Spec { get; }

    public double DtMs => Spec.DtMs;

    public int NeuronCount => Spec.Neurons.Length;

    /// <summary>The modelled neurons, in neuron-index order.</summary>
    public NeuronModel[] Models { get; }

    /// <summary>
    /// Every current, in neuron-index order: those of modelled neurons, and those into external
    /// (measured) neurons — model synapses onto a biological cell or a conductance added to it by
    /// dynamic clamp. The latter are evaluated (and injected by the board) but never integrated,
    /// and training leaves them as they are.
    /// </summary>
    public Current[] Currents { get; }

    /// <summary>The currents into external (measured) neurons.</summary>
    public Current[] MeasuredCurrents { get; }

    /// <summary>The currents of modelled neurons: what training fits.</summary>
    public IEnumerable<Current> ModelledCurrents => Models.SelectMany(m => m.Currents);

    /// <summary>The parameters training changes: those of modelled neurons, but for the intrinsic part held by <see cref="AdoptIntrinsic"/>.</summary>
    public IEnumerable<Parameter> TrainableParameters => IntrinsicHeld
        ? Models.SelectMany(m => m.Currents.Where(c => c.IsSynapse)).SelectMany(c => c.Parameters)
        : Models.SelectMany(m => m.Parameters);

    /// <summary>
    /// True after <see cref="AdoptIntrinsic"/>: each modelled neuron's own currents, leak and capacitance are fixed, and training
    /// fits the synapses alone (keeping those currents' normalisation and output scale).
    /// </summary>
    public bool IntrinsicHeld { get; private set; }

    /// <summary>
    /// Takes each modelled neuron's intrinsic part from <paramref name="cells"/>, a network of the same cells without synapses
    /// (<see cref="NetworkSpec.WithoutSynapses"/>) trained on a record with the synapses blocked (e.g. picrotoxin in the STG), and
    /// holds it: its own currents (parameters, normalisation, output scale), leak and capacitance. Training on the intact
    /// circuit then fits the synapses alone, so that they cannot share what the cells' own currents explain. This network's
    /// synapses keep their initial values.
    /// </summary>
    public void AdoptIntrinsic(Network cells)
    {
        // The cells' network has every parameter of this one but the synapses', which keep their initial values.
        var synapses = Currents.Where(c => c.IsSynapse).SelectMany(c => c.Parameters).Select(p => p.Name).ToHashSet();
        if (CopyFrom(cells).FirstOrDefault(name => !synapses.Contains(name)) is string missing)
        {
            throw new ArgumentException($"the cells' network has no {missing}: it must be this network without its synapses", nameof(cells));
        }

        IntrinsicHeld = true;
    }

    public IEnumerable<Parameter> Parameters => Models.SelectMany(m => m.Parameters).Concat(MeasuredCurrents.SelectMany(c => c.Parameters));

    /// <summary>
    /// Copies, by name, every parameter and every current's normalisation and output scale that
    /// <paramref name="source"/> also has (e.g. a trained circuit's synapse onto what is now a measured
    /// neuron, to build a hybrid circuit). Returns the names of this network's parameters left untouched.
    /// </summary>
    public string[] CopyFrom(Network source)
    {
        var values = source.Parameters.ToDictionary(p => p.Name);
        var missing = new List<string>();
        foreach (Parameter p in Parameters)
        {
            if (values.TryGetValue(p.Name, out Parameter? from) && from.Size == p.Size)
            {
                from.Value.CopyTo(p.Value, 0);
            }
            else
            {
                missing.Add(p.Name);
            }
        }

        var currents = source.Currents.ToDictionary(c => c.QualifiedName);
        foreach (Current c in Currents)
        {
            if (currents.TryGetValue(c.QualifiedName, out Current? from) && from.Normalizer.Center.Length == c.Normalizer.Center.Length)
            {
                from.Normalizer.Center.CopyTo(c.Normalizer.Center, 0);
                from.Normalizer.Scale.CopyTo(c.Normalizer.Scale, 0);
                if (c is LumpedCurrent to && from is LumpedCurrent lumped)
                {
                    to.OutputScale = lumped.OutputScale;
                }
            }
        }

        RefreshEffective();
        return missing.ToArray();
    }

    public int ParameterCount => Parameters.Sum(p => p.Size);

    /// <summary>Largest warm-up (samples) over all banks: how long the filters need to forget their start.</summary>
    public int WarmupSamples => Currents.Max(c => c.Bank.WarmupSamples);

    /// <summary>Throws a <see cref="UserError"/> naming the data when it does not fit the model: neuron count or sampling period.</summary>
    public void CheckFits(Data.Dataset data)
    {
        if (data.Neurons.Count != NeuronCount)
        {
            throw new UserError($"{data.Source}: {data.Neurons.Count} neurons in the data, the model has {NeuronCount}");
        }

        if (Math.Abs(data.DtMs - DtMs) > 1e-9 * DtMs)
        {
            double ratio = data.DtMs / DtMs;
            string finer = ratio > 1 && Math.Abs(ratio - Math.Round(ratio)) < 1e-6 ? $", or step {Math.Round(ratio)} times per sample: --upsample {Math.Round(ratio)}" : "";
            throw new UserError($"{data.Source}: sampled at dt = {data.DtMs} ms, the model steps at {DtMs} ms (train at its rate{finer})");
        }
    }

    /// <summary>Throws a <see cref="UserError"/> when no neuron is modelled: there is nothing to train (measured currents alone are designed, e.g. SynapseFit).</summary>
    public void CheckTrainable()
    {
        if (Models.Length == 0)
        {
            throw new UserError("the network models no neuron, so there is nothing to train; design its currents into measured cells instead (SynapseFit)");
        }
    }

    public void RefreshEffective()
    {
        foreach (Current c in Currents)
        {
            c.RefreshEffective();
        }
    }

    /// <summary>A copy of every parameter value, in <see cref="Parameters"/> order.</summary>
    public float[][] Snapshot() => Parameters.Select(p => (float[])p.Value.Clone()).ToArray();

    /// <summary>
    /// Multiplies every parameter by 1 + <paramref name="relative"/>·N(0, 1) (seeded): a model whose free
    /// run moves under 2⁻¹⁵ (a 16-bit weight's rounding) or 2⁻²³ (float32's) has a rhythm that is not
    /// structurally stable, and no arithmetic, fixed or float, reproduces it (RmmEdge.Bench fixed-drift).
    /// </summary>
    public void Perturb(double relative, int seed)
    {
        var random = new Random(seed);
        foreach (Parameter p in Parameters)
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] = (float)(p.Value[i] * (1 + relative * random.NextGaussian()));
            }
        }

        RefreshEffective();
    }

    /// <summary>Relative size of a 16-bit weight's rounding, 2⁻¹⁵: the scale of <see cref="Perturb"/> that asks "does the rhythm survive compilation?".</summary>
    public const double WeightRounding = 1.0 / (1 << 15);

    /// <summary>A copy of this network: structure, parameters, normalisations and output scales.</summary>
    public Network Copy()
    {
        var copy = new Network(Spec, seed: 0);
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>A copy of this network (structure, parameters, normalisation) with every parameter perturbed as by <see cref="Perturb"/>.</summary>
    public Network PerturbedCopy(double relative, int seed)
    {
        var copy = new Network(Spec, seed);
        copy.CopyFrom(this);
        copy.Perturb(relative, seed);
        return copy;
    }

    /// <summary>A copy of this network whose every MLP evaluates on the given grid (<see cref="MlpGrid"/>).</summary>
    public Network GriddedCopy(MlpGrid grid)
    {
        Network copy = Copy();
        foreach (Mlp mlp in copy.Currents.SelectMany(c => c.Mlps)) { mlp.Grid = grid; }
        return copy;
    }

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
