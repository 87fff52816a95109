namespace RmmEdge.Trainer.Model;

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
