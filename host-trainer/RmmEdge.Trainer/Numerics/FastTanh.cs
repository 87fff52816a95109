using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// tanh for training's hidden layers: a 13/6-degree odd/even rational function on [−9, 9] (outside it
/// tanh is ±1 in single precision), with the published coefficients of Eigen's
/// generic_fast_tanh_float, and the result held within [−1, 1] (unclamped it reaches 1 + 2⁻²² near 8.6,
/// which would flip the sign of 1 − y²). A few ulp from the exact value (test: |error| ≤ 3·10⁻⁷ on [−12, 12]), and
/// 3–4× faster than an exp-based tanh, which was a fifth of teacher forcing's time.
/// The 512-bit, 256-bit and scalar paths run the same fused multiply–adds in the same order, so they
/// agree bit for bit.
/// </summary>
public static class FastTanh
{
    private const float Clamp = 9f;
    private const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f,
        A7 = 5.12229709037114e-08f, A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    private const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    /// <summary>destination[i] = tanh(x[i]); the spans may be the same.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException("destination shorter than the input", nameof(destination));
        }

        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= x.Length; i += 16)
            {
                Of(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= x.Length; i += 8)
            {
                Of(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            destination[i] = Of(x[i]);
        }
    }

    /// <summary>The definition, one value.</summary>
    public static float Of(float value)
    {
        float x = Math.Clamp(value, -Clamp, Clamp);
        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd(x2, A13, A11);
        p = MathF.FusedMultiplyAdd(x2, p, A9);
        p = MathF.FusedMultiplyAdd(x2, p, A7);
        p = MathF.FusedMultiplyAdd(x2, p, A5);
        p = MathF.FusedMultiplyAdd(x2, p, A3);
        p = MathF.FusedMultiplyAdd(x2, p, A1);
        p *= x;
        float q = MathF.FusedMultiplyAdd(x2, B6, B4);
        q = MathF.FusedMultiplyAdd(x2, q, B2);
        q = MathF.FusedMultiplyAdd(x2, q, B0);
        return Math.Clamp(p / q, -1f, 1f);
    }

    private static Vector512<float> Of(Vector512<float> value)
    {
        Vector512<float> x = Vector512.Min(Vector512.Max(value, Vector512.Create(-Clamp)), Vector512.Create(Clamp));
        Vector512<float> x2 = x * x;
        Vector512<float> p = Vector512.FusedMultiplyAdd(x2, Vector512.Create(A13), Vector512.Create(A11));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(A9));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(A7));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(A5));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(A3));
        p = Vector512.FusedMultiplyAdd(x2, p, Vector512.Create(A1));
        p *= x;
        Vector512<float> q = Vector512.FusedMultiplyAdd(x2, Vector512.Create(B6), Vector512.Create(B4));
        q = Vector512.FusedMultiplyAdd(x2, q, Vector512.Create(B2));
        q = Vector512.FusedMultiplyAdd(x2, q, Vector512.Create(B0));
        return Vector512.Min(Vector512.Max(p / q, Vector512.Create(-1f)), Vector512<float>.One);
    }

    internal static Vector256<float> Of(Vector256<float> value)
    {
        Vector256<float> x = Vector256.Min(Vector256.Max(value, Vector256.Create(-Clamp)), Vector256.Create(Clamp));
        Vector256<float> x2 = x * x;
        Vector256<float> p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A13), Vector256.Create(A11));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(A9));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(A7));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(A5));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(A3));
        p = Vector256.FusedMultiplyAdd(x2, p, Vector256.Create(A1));
        p *= x;
        Vector256<float> q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(B6), Vector256.Create(B4));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(x2, q, Vector256.Create(B0));
        return Vector256.Min(Vector256.Max(p / q, Vector256.Create(-1f)), Vector256<float>.One);
    }
}
