using System.Numerics;
using System.Runtime.InteropServices;

namespace RmmEdge.Trainer.Model;

/// <summary>
/// Affine map of raw inputs (mV, filter states) to the MLP's input range: z = (raw − center)·scale,
/// with center and scale from the training data's min and max so that z spans [−1, 1], then
/// saturated at ±<see cref="Limit"/>. The saturation is part of the model: outside the voltages it
/// was trained on, a current stops changing instead of extrapolating, and the linear leak brings the
/// membrane back (without it a model left the data's range below −88 mV and ran away to −200 mV).
/// The fixed-point kernel saturates the same way.
/// </summary>
public sealed class InputNormalizer
{
    /// <summary>Normalised inputs are clamped to [−Limit, Limit]; the training data spans [−1, 1].</summary>
    public const float Limit = 1f;

    public static float Clamp(float z) => z > Limit ? Limit : z < -Limit ? -Limit : z;

    public InputNormalizer(int size)
    {
        Center = new float[size];
        Scale = Enumerable.Repeat(1f, size).ToArray();
    }

    public float[] Center { get; }

    public float[] Scale { get; }

    /// <summary>
    /// z[i] = Clamp((raw[i] − Center[o + i])·Scale[o + i]) for the features from <paramref name="o"/> on,
    /// several at a time: a separate subtract, multiply and clamp per lane, so every value is the scalar
    /// definition's bit for bit (finite inputs).
    /// </summary>
    public void Apply(ReadOnlySpan<float> raw, int o, Span<float> z)
    {
        int n = raw.Length, i = 0;
        if (z.Length < n || Center.Length < o + n)
        {
            throw new ArgumentException("input or output shorter than the features normalised", nameof(z));
        }

        if (Vector.IsHardwareAccelerated)
        {
            var high = new Vector<float>(Limit);
            var low = new Vector<float>(-Limit);
            ref float r = ref MemoryMarshal.GetReference(raw);
            ref float c = ref Center[o];
            ref float s = ref Scale[o];
            ref float out0 = ref MemoryMarshal.GetReference(z);
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                Vector<float> y = (Vector.LoadUnsafe(ref r, at) - Vector.LoadUnsafe(ref c, at)) * Vector.LoadUnsafe(ref s, at);
                Vector.Min(Vector.Max(y, low), high).StoreUnsafe(ref out0, at);
            }
        }

        for (; i < n; i++)
        {
            z[i] = Clamp((raw[i] - Center[o + i]) * Scale[o + i]);
        }
    }

    /// <summary>
    /// One feature of many samples: z[g] = Clamp((raw[g] − Center[f])·Scale[f]), several samples at a
    /// time with <see cref="Apply"/>'s operations (bit for bit the scalar definition, finite inputs).
    /// </summary>
    public void ApplyFeature(int f, ReadOnlySpan<float> raw, Span<float> z)
    {
        int n = raw.Length, g = 0;
        if (z.Length < n)
        {
            throw new ArgumentException("output shorter than the samples normalised", nameof(z));
        }

        float center = Center[f], scale = Scale[f];
        if (Vector.IsHardwareAccelerated)
        {
            var high = new Vector<float>(Limit);
            var low = new Vector<float>(-Limit);
            var c = new Vector<float>(center);
            var s = new Vector<float>(scale);
            ref float r = ref MemoryMarshal.GetReference(raw);
            ref float out0 = ref MemoryMarshal.GetReference(z);
            for (; g + Vector<float>.Count <= n; g += Vector<float>.Count)
            {
                Vector<float> y = (Vector.LoadUnsafe(ref r, (nuint)g) - c) * s;
                Vector.Min(Vector.Max(y, low), high).StoreUnsafe(ref out0, (nuint)g);
            }
        }

        for (; g < n; g++)
        {
            z[g] = Clamp((raw[g] - center) * scale);
        }
    }

    /// <summary>
    /// The adjoint of <see cref="ApplyFeature"/> for one feature of many samples, from its outputs z:
    /// dRaw[g] = dz[g]·Scale[f] where z[g] lies inside the clamp, 0 where it was clamped (no gradient
    /// flows through a saturated input). Several samples at a time, bit for bit the scalar definition.
    /// </summary>
    public void BackwardFeature(int f, ReadOnlySpan<float> z, ReadOnlySpan<float> dz, Span<float> dRaw)
    {
        int n = z.Length, g = 0;
        if (dz.Length < n || dRaw.Length < n)
        {
            throw new ArgumentException("gradients shorter than the samples", nameof(dRaw));
        }

        float scale = Scale[f];
        if (Vector.IsHardwareAccelerated)
        {
            var limit = new Vector<float>(Limit);
            var s = new Vector<float>(scale);
            ref float z0 = ref MemoryMarshal.GetReference(z);
            ref float dz0 = ref MemoryMarshal.GetReference(dz);
            ref float out0 = ref MemoryMarshal.GetReference(dRaw);
            for (; g + Vector<float>.Count <= n; g += Vector<float>.Count)
            {
                Vector<int> inside = Vector.LessThan(Vector.Abs(Vector.LoadUnsafe(ref z0, (nuint)g)), limit);
                Vector.ConditionalSelect(inside, Vector.LoadUnsafe(ref dz0, (nuint)g) * s, Vector<float>.Zero).StoreUnsafe(ref out0, (nuint)g);
            }
        }

        for (; g < n; g++)
        {
            dRaw[g] = MathF.Abs(z[g]) < Limit ? dz[g] * scale : 0f;
        }
    }

    public void Fit(int feature, float min, float max)
    {
        float half = 0.5f * (max - min);
        Center[feature] = 0.5f * (max + min);
        Scale[feature] = half > 1e-6f ? 1f / half : 1f;
    }
}

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

/// <summary>ψ = s · MLP(z), z = normalised [v_post, x] (or [x]); s fixed from the data's current scale.</summary>
public sealed class LumpedCurrent : Current
{
    public LumpedCurrent(CurrentSpec spec, int owner, string ownerName, double dtMs, float ridge, Random random)
        : base(spec, owner, ownerName, dtMs)
    {
        InputSize = Bank.Size + (spec.UsesPostVoltage ? 1 : 0);
        Mlp = new Mlp(QualifiedName, InputSize, spec.Mlp, ridge, random);
        Normalizer = new InputNormalizer(InputSize);
        Mlps = [Mlp];
    }

    public Mlp Mlp { get; }

    public override InputNormalizer Normalizer { get; }

    public override IReadOnlyList<Mlp> Mlps { get; }

    public int InputSize { get; }

    /// <summary>Output scale s (nA per unit MLP output), fixed before training.</summary>
    public float OutputScale { get; set; } = 1f;

    public override IEnumerable<Parameter> Parameters => Mlp.Parameters;

    public override int ScratchSize => InputSize + 2 * Mlp.MaxWidth;

    public override float Evaluate(float v, ReadOnlySpan<float> x, Span<float> scratch)
    {
        Span<float> z = scratch[..InputSize];
        FillInput(v, x, z);
        return OutputScale * Mlp.Evaluate(z, scratch[InputSize..]);
    }

    /// <summary>z = normalised [v, x] for one sample.</summary>
    public void FillInput(float v, ReadOnlySpan<float> x, Span<float> z)
    {
        float[] c = Normalizer.Center, s = Normalizer.Scale;
        int o = 0;
        if (Spec.UsesPostVoltage)
        {
            z[0] = InputNormalizer.Clamp((v - c[0]) * s[0]);
            o = 1;
        }

        Normalizer.Apply(x, o, z[o..]);
    }

    public override void FitNormalization(float vMin, float vMax, ReadOnlySpan<float> stateMin, ReadOnlySpan<float> stateMax)
    {
        int o = 0;
        if (Spec.UsesPostVoltage)
        {
            Normalizer.Fit(0, vMin, vMax);
            o = 1;
        }

        for (int i = 0; i < stateMin.Length; i++)
        {
            Normalizer.Fit(o + i, stateMin[i], stateMax[i]);
        }
    }

}

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
