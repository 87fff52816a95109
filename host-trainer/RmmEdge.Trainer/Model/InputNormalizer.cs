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
