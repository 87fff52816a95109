namespace RmmEdge.Trainer.Model;

/// <summary>
/// ψ = g · a(x) · b(x) · (v − E). a: MLP of the normalised bank states with a Positive first layer
/// (Negative if flipped) and Positive later layers, so a is monotone in the filtered voltages; b the
/// same with a Negative first layer (monotone decreasing); v enters only through the driving force.
/// g = softplus(raw) µS; E optionally trainable with an L2 pull to its prior.
/// </summary>
public sealed class GatingCurrent : Current
{
    /// <summary>Weight of the pull of E towards its prior value, per mV².</summary>
    public const float ReversalPrior = 1e-3f;

    public GatingCurrent(CurrentSpec spec, int owner, string ownerName, double dtMs, float ridge, Random random)
        : base(spec, owner, ownerName, dtMs)
    {
        Activation = new Mlp(QualifiedName + ".act", Bank.Size, spec.Mlp with
        {
            FirstSign = spec.ActivationFlipped ? WeightSign.Negative : WeightSign.Positive,
            RestSign = WeightSign.Positive,
            HiddenActivation = Model.Activation.Sigmoid,
        }, ridge, random);
        Inactivation = spec.Inactivation is null ? null : new Mlp(QualifiedName + ".inact", Bank.Size, spec.Inactivation with
        {
            FirstSign = WeightSign.Negative,
            RestSign = WeightSign.Positive,
            HiddenActivation = Model.Activation.Sigmoid,
        }, ridge, random);
        Normalizer = new InputNormalizer(Bank.Size);
        if (spec.InputWindowMv is { } window && (spec.Bank.Kind != FilterKind.Diagonal || spec.Input != BankInput.Voltage || !(window.Low < window.High)))
        {
            throw new ArgumentException($"{QualifiedName}: an input window (mV) needs a voltage-driven diagonal bank (unit DC gain) and Low < High", nameof(spec));
        }

        Mlps = Inactivation is null ? [Activation] : [Activation, Inactivation];
        ConductanceRaw = new Parameter(QualifiedName + ".g", 1);
        ConductanceRaw.Value[0] = Softplus.Inverse((float)spec.ConductanceUs);
        Reversal = new Parameter(QualifiedName + ".E", 1);
        Reversal.Value[0] = (float)spec.ReversalMv;
        ScaleReadoutsToUnitSum(Activation);
        if (Inactivation is not null)
        {
            ScaleReadoutsToUnitSum(Inactivation);
        }
    }

    public Mlp Activation { get; }

    public Mlp? Inactivation { get; }

    public override InputNormalizer Normalizer { get; }

    public override IReadOnlyList<Mlp> Mlps { get; }

    public Parameter ConductanceRaw { get; }

    public Parameter Reversal { get; }

    public float G => Softplus.Value(ConductanceRaw.Value[0]);

    public float E => Reversal.Value[0];

    public override IEnumerable<Parameter> Parameters
    {
        get
        {
            foreach (Parameter p in Mlps.SelectMany(m => m.Parameters)) { yield return p; }
            yield return ConductanceRaw;
            if (Spec.TrainReversal) { yield return Reversal; }
        }
    }

    public override int ScratchSize => Bank.Size + 2 * Math.Max(Activation.MaxWidth, Inactivation?.MaxWidth ?? 0);

    public override float Evaluate(float v, ReadOnlySpan<float> x, Span<float> scratch) =>
        Conductance(x, scratch) * (v - E);

    public override float Conductance(ReadOnlySpan<float> x, Span<float> scratch)
    {
        Span<float> z = scratch[..Bank.Size];
        Normalize(x, z);
        float a = Activation.Evaluate(z, scratch[Bank.Size..]);
        float b = Inactivation?.Evaluate(z, scratch[Bank.Size..]) ?? 1f;
        return G * a * b;
    }

    public void Normalize(ReadOnlySpan<float> x, Span<float> z)
    {
        Normalizer.Apply(x, 0, z);
    }

    public override void FitNormalization(float vMin, float vMax, ReadOnlySpan<float> stateMin, ReadOnlySpan<float> stateMax)
    {
        // A diagonal bank's states are low-passed voltages (unit DC gain): a window applies to each as it is.
        MvRange? window = Spec.InputWindowMv;
        for (int i = 0; i < stateMin.Length; i++)
        {
            Normalizer.Fit(i, window is null ? stateMin[i] : (float)window.Low, window is null ? stateMax[i] : (float)window.High);
        }
    }

    public override float PriorPenalty()
    {
        if (!Spec.TrainReversal)
        {
            return 0f;
        }

        float d = E - (float)Spec.ReversalMv;
        Reversal.Grad[0] += 2f * ReversalPrior * d;
        return ReversalPrior * d * d;
    }

    private static void ScaleReadoutsToUnitSum(Mlp mlp)
    {
        // The authors initialise gating readouts to sum to 1, so a(x) starts within [0, 1].
        DenseLayer output = mlp.Layers[^1];
        float[] raw = output.Weights.Value;
        float target = 1f / raw.Length;
        for (int i = 0; i < raw.Length; i++) { raw[i] = Softplus.Inverse(target); }
        output.RefreshEffective();
    }
}
