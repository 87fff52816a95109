namespace RmmEdge.Trainer.Model;

/// <summary>Receives the bank state x[k] of sample k (<see cref="Current.VisitBankStates"/>).</summary>
public delegate void BankStateVisitor(int k, ReadOnlySpan<float> state);

/// <summary>
/// A current into a modelled neuron (design §4): reads the owner's voltage and the states of its own
/// filter bank, driven by neuron <see cref="Source"/>. Answers the same questions whatever its kind:
/// its value, its parameters, and (for gating currents) its conductance.
/// </summary>
public abstract class Current
{
    protected Current(CurrentSpec spec, int owner, string ownerName, double dtMs)
    {
        Spec = spec;
        Owner = owner;
        QualifiedName = ownerName + "/" + spec.Name;
        if (spec.Input == BankInput.SpikeActivity
            && !(spec.ActivitySlopeMv > 0 && double.IsFinite(spec.ActivitySlopeMv) && double.IsFinite(spec.ActivityThresholdMv)))
        {
            throw new ArgumentException($"{QualifiedName}: spike activity needs a finite threshold and a slope > 0 mV, got {spec.ActivityThresholdMv} / {spec.ActivitySlopeMv}", nameof(spec));
        }

        Bank = new FilterBank(spec.Bank, dtMs);
    }

    public CurrentSpec Spec { get; }

    public string Name => Spec.Name;

    /// <summary>"neuron/current": unique in the network; prefixes the current's parameter names.</summary>
    public string QualifiedName { get; }

    /// <summary>Neuron this current flows into.</summary>
    public int Owner { get; }

    /// <summary>Neuron whose voltage drives the bank.</summary>
    public int Source => Spec.Source;

    public bool IsSynapse => Source != Owner;

    public FilterBank Bank { get; }

    /// <summary>
    /// The bank's states over a record of the source's voltage (mV), sample-major: the bank is driven
    /// by <see cref="CurrentSpec.Drive"/> of the voltage (the voltage itself, or its spike activity).
    /// </summary>
    public void RunBank(float[] sourceMv, Span<float> states) =>
        Bank.Run(Spec.Input == BankInput.Voltage ? sourceMv : Array.ConvertAll(sourceMv, Spec.Drive), states);

    /// <summary>
    /// Runs the bank over every segment of a record of the source's voltage (mV), each from the steady
    /// state of the segment's first drive value, and shows the state x[k] of every sample k (before the
    /// step at k) to <paramref name="visit"/>. Nothing the size of the record is held: a long record's
    /// bank states would take 144 bytes per sample.
    /// </summary>
    public void VisitBankStates(float[] sourceMv, IReadOnlyList<Data.Segment> segments, BankStateVisitor visit)
    {
        Span<float> x = stackalloc float[Bank.Size];
        foreach (Data.Segment g in segments)
        {
            Bank.SteadyState(Spec.Drive(sourceMv[g.Start]), x);
            for (int k = g.Start; k < g.End; k++)
            {
                visit(k, x);
                Bank.Step(x, Spec.Drive(sourceMv[k]));
            }
        }
    }

    public abstract IEnumerable<Parameter> Parameters { get; }

    /// <summary>The map of the current's raw inputs to its MLP inputs (fixed after fitting).</summary>
    public abstract InputNormalizer Normalizer { get; }

    /// <summary>
    /// 1 when MLP input 0 is the owner's voltage (a lumped current that reads it), else 0: bank state i
    /// is MLP input <see cref="VoltageInputs"/> + i.
    /// </summary>
    public int VoltageInputs => this is LumpedCurrent { Spec.UsesPostVoltage: true } ? 1 : 0;

    /// <summary>The current's MLPs: the lumped MLP, or the activation (and inactivation) of a gating current.</summary>
    public abstract IReadOnlyList<Mlp> Mlps { get; }

    /// <summary>Scratch floats <see cref="Evaluate"/> needs.</summary>
    public abstract int ScratchSize { get; }

    /// <summary>ψ (nA) for one sample: owner voltage v (mV) and raw bank states x.</summary>
    public abstract float Evaluate(float v, ReadOnlySpan<float> x, Span<float> scratch);

    /// <summary>
    /// The conductance g·a·b (µS) of a gating current, for interpretation; NaN for a lumped current,
    /// which has no separate conductance.
    /// </summary>
    public virtual float Conductance(ReadOnlySpan<float> x, Span<float> scratch) => float.NaN;

    /// <summary>Fits the input normalisation to training data: the owner's voltage range and each state's range.</summary>
    public abstract void FitNormalization(float vMin, float vMax, ReadOnlySpan<float> stateMin, ReadOnlySpan<float> stateMax);

    public void RefreshEffective()
    {
        foreach (Mlp mlp in Mlps)
        {
            mlp.RefreshEffective();
        }
    }

    /// <summary>Extra loss terms beyond the ridge penalty (e.g. the pull of E towards its prior); adds their gradients.</summary>
    public virtual float PriorPenalty() => 0f;
}
