using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// Span kernels for one dense layer on a chunk of samples, the hot loops of teacher forcing.
/// Layout: weights row-major, <c>w[j * inSize + k]</c> (output j, input k); activations feature-major,
/// <c>x[k * batch + b]</c>, so that every inner loop runs over contiguous samples in SIMD vectors.
/// Each kernel is register-blocked (4 rows × 2 vectors of samples: 8 accumulators, 6 loads per 8
/// fused multiply-adds) and ends in a plain scalar tail, which is also the reference definition.
/// Nothing allocates; sums run in a fixed order, so results are reproducible on one machine. Where the CPU has
/// AVX-512, the 512-bit twins (DenseKernels.Wide.cs) run instead: more lanes, the same bits.
/// </summary>
public static partial class DenseKernels
{
    private static int W => Vector<float>.Count;

    /// <summary>destination[j, b] = bias[j] + Σ_k w[j, k] · x[k, b]  (empty bias: zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int inSize, int outSize,
        ReadOnlySpan<float> x, int batch, Span<float> destination)
    {
        Check(w.Length >= inSize * outSize && x.Length >= inSize * batch && destination.Length >= outSize * batch
            && (bias.IsEmpty || bias.Length >= outSize));
        if (UsesWideVectors)
        {
            int wideEnd = batch - batch % (2 * W);
            ForwardWide(ref MemoryMarshal.GetReference(w), bias, inSize, outSize, ref MemoryMarshal.GetReference(x), batch,
                ref MemoryMarshal.GetReference(destination), wideEnd);
            ForwardScalar(w, bias, inSize, x, batch, destination, 0, outSize, wideEnd);
        }
        else
        {
            ForwardVector(w, bias, inSize, outSize, x, batch, destination);
        }
    }

    /// <summary><see cref="Forward"/> on <see cref="Vector{T}"/> (the path without AVX-512, and the wide path's twin).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardVector(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int inSize, int outSize,
        ReadOnlySpan<float> x, int batch, Span<float> destination)
    {
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(destination);
        int vecEnd = batch - batch % (2 * W);
        int j = 0;
        for (; j + 4 <= outSize; j += 4)
        {
            float c0 = Bias(bias, j), c1 = Bias(bias, j + 1), c2 = Bias(bias, j + 2), c3 = Bias(bias, j + 3);
            for (int b = 0; b < vecEnd; b += 2 * W)
            {
                Vector<float> a00 = new(c0), a01 = a00, a10 = new(c1), a11 = a10, a20 = new(c2), a21 = a20, a30 = new(c3), a31 = a30;
                for (int k = 0; k < inSize; k++)
                {
                    ref float xk = ref Unsafe.Add(ref xr, k * batch + b);
                    Vector<float> x0 = Vector.LoadUnsafe(ref xk), x1 = Vector.LoadUnsafe(ref xk, (nuint)W);
                    Vector<float> w0 = new(Unsafe.Add(ref wr, j * inSize + k));
                    Vector<float> w1 = new(Unsafe.Add(ref wr, (j + 1) * inSize + k));
                    Vector<float> w2 = new(Unsafe.Add(ref wr, (j + 2) * inSize + k));
                    Vector<float> w3 = new(Unsafe.Add(ref wr, (j + 3) * inSize + k));
                    a00 = Vector.FusedMultiplyAdd(w0, x0, a00); a01 = Vector.FusedMultiplyAdd(w0, x1, a01);
                    a10 = Vector.FusedMultiplyAdd(w1, x0, a10); a11 = Vector.FusedMultiplyAdd(w1, x1, a11);
                    a20 = Vector.FusedMultiplyAdd(w2, x0, a20); a21 = Vector.FusedMultiplyAdd(w2, x1, a21);
                    a30 = Vector.FusedMultiplyAdd(w3, x0, a30); a31 = Vector.FusedMultiplyAdd(w3, x1, a31);
                }

                a00.StoreUnsafe(ref Unsafe.Add(ref yr, j * batch + b)); a01.StoreUnsafe(ref Unsafe.Add(ref yr, j * batch + b + W));
                a10.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 1) * batch + b)); a11.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 1) * batch + b + W));
                a20.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 2) * batch + b)); a21.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 2) * batch + b + W));
                a30.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 3) * batch + b)); a31.StoreUnsafe(ref Unsafe.Add(ref yr, (j + 3) * batch + b + W));
            }

            ForwardScalar(w, bias, inSize, x, batch, destination, j, j + 4, vecEnd);
        }

        for (; j < outSize; j++)
        {
            float c = Bias(bias, j);
            for (int b = 0; b < vecEnd; b += 2 * W)
            {
                Vector<float> a0 = new(c), a1 = a0;
                for (int k = 0; k < inSize; k++)
                {
                    ref float xk = ref Unsafe.Add(ref xr, k * batch + b);
                    Vector<float> wk = new(Unsafe.Add(ref wr, j * inSize + k));
                    a0 = Vector.FusedMultiplyAdd(wk, Vector.LoadUnsafe(ref xk), a0);
                    a1 = Vector.FusedMultiplyAdd(wk, Vector.LoadUnsafe(ref xk, (nuint)W), a1);
                }

                a0.StoreUnsafe(ref Unsafe.Add(ref yr, j * batch + b));
                a1.StoreUnsafe(ref Unsafe.Add(ref yr, j * batch + b + W));
            }

            ForwardScalar(w, bias, inSize, x, batch, destination, j, j + 1, vecEnd);
        }
    }

    /// <summary>
    /// Weight and bias gradients of a dense layer: gradW[j, k] += Σ_b delta[j, b] · x[k, b] and
    /// gradBias[j] += Σ_b delta[j, b] (empty gradBias: skipped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateGradients(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int inSize, int outSize, int batch,
        Span<float> gradW, Span<float> gradBias)
    {
        Check(delta.Length >= outSize * batch && x.Length >= inSize * batch && gradW.Length >= inSize * outSize
            && (gradBias.IsEmpty || gradBias.Length >= outSize));
        if (UsesWideVectors && AccumulateGradientsWide(delta, x, inSize, outSize, batch, gradW))
        {
            AccumulateBiasGradient(delta, outSize, batch, gradBias);
        }
        else
        {
            AccumulateGradientsVector(delta, x, inSize, outSize, batch, gradW, gradBias);
        }
    }

    /// <summary><see cref="AccumulateGradients"/> on <see cref="Vector{T}"/> (the path without AVX-512, and the wide path's twin).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateGradientsVector(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int inSize, int outSize, int batch,
        Span<float> gradW, Span<float> gradBias)
    {
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int vecEnd = batch - batch % W;
        int j = 0;
        for (; j + 4 <= outSize; j += 4)
        {
            int k = 0;
            for (; k + 2 <= inSize; k += 2)
            {
                Vector<float> s00 = default, s01 = default, s10 = default, s11 = default,
                    s20 = default, s21 = default, s30 = default, s31 = default;
                for (int b = 0; b < vecEnd; b += W)
                {
                    Vector<float> x0 = Vector.LoadUnsafe(ref Unsafe.Add(ref xr, k * batch + b));
                    Vector<float> x1 = Vector.LoadUnsafe(ref Unsafe.Add(ref xr, (k + 1) * batch + b));
                    Vector<float> d0 = Vector.LoadUnsafe(ref Unsafe.Add(ref dr, j * batch + b));
                    Vector<float> d1 = Vector.LoadUnsafe(ref Unsafe.Add(ref dr, (j + 1) * batch + b));
                    Vector<float> d2 = Vector.LoadUnsafe(ref Unsafe.Add(ref dr, (j + 2) * batch + b));
                    Vector<float> d3 = Vector.LoadUnsafe(ref Unsafe.Add(ref dr, (j + 3) * batch + b));
                    s00 = Vector.FusedMultiplyAdd(d0, x0, s00); s01 = Vector.FusedMultiplyAdd(d0, x1, s01);
                    s10 = Vector.FusedMultiplyAdd(d1, x0, s10); s11 = Vector.FusedMultiplyAdd(d1, x1, s11);
                    s20 = Vector.FusedMultiplyAdd(d2, x0, s20); s21 = Vector.FusedMultiplyAdd(d2, x1, s21);
                    s30 = Vector.FusedMultiplyAdd(d3, x0, s30); s31 = Vector.FusedMultiplyAdd(d3, x1, s31);
                }

                gradW[j * inSize + k] += Vector.Sum(s00) + DotTail(delta, x, batch, j, k, vecEnd);
                gradW[j * inSize + k + 1] += Vector.Sum(s01) + DotTail(delta, x, batch, j, k + 1, vecEnd);
                gradW[(j + 1) * inSize + k] += Vector.Sum(s10) + DotTail(delta, x, batch, j + 1, k, vecEnd);
                gradW[(j + 1) * inSize + k + 1] += Vector.Sum(s11) + DotTail(delta, x, batch, j + 1, k + 1, vecEnd);
                gradW[(j + 2) * inSize + k] += Vector.Sum(s20) + DotTail(delta, x, batch, j + 2, k, vecEnd);
                gradW[(j + 2) * inSize + k + 1] += Vector.Sum(s21) + DotTail(delta, x, batch, j + 2, k + 1, vecEnd);
                gradW[(j + 3) * inSize + k] += Vector.Sum(s30) + DotTail(delta, x, batch, j + 3, k, vecEnd);
                gradW[(j + 3) * inSize + k + 1] += Vector.Sum(s31) + DotTail(delta, x, batch, j + 3, k + 1, vecEnd);
            }

            for (; k < inSize; k++)
            {
                for (int jj = j; jj < j + 4; jj++)
                {
                    gradW[jj * inSize + k] += Dot(delta, x, batch, jj, k, vecEnd);
                }
            }
        }

        GradientRowsVector(delta, x, inSize, outSize, batch, j, gradW);
        AccumulateBiasGradient(delta, outSize, batch, gradBias);
    }

    /// <summary>Weight gradients of rows [jFrom, outSize), one row at a time in blocks of four inputs.</summary>
    private static void GradientRowsVector(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int inSize, int outSize, int batch, int jFrom,
        Span<float> gradW)
    {
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int vecEnd = batch - batch % W;
        for (int j = jFrom; j < outSize; j++)
        {
            int k = 0;
            for (; k + 4 <= inSize; k += 4)
            {
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int b = 0; b < vecEnd; b += W)
                {
                    Vector<float> d = Vector.LoadUnsafe(ref Unsafe.Add(ref dr, j * batch + b));
                    s0 = Vector.FusedMultiplyAdd(d, Vector.LoadUnsafe(ref Unsafe.Add(ref xr, k * batch + b)), s0);
                    s1 = Vector.FusedMultiplyAdd(d, Vector.LoadUnsafe(ref Unsafe.Add(ref xr, (k + 1) * batch + b)), s1);
                    s2 = Vector.FusedMultiplyAdd(d, Vector.LoadUnsafe(ref Unsafe.Add(ref xr, (k + 2) * batch + b)), s2);
                    s3 = Vector.FusedMultiplyAdd(d, Vector.LoadUnsafe(ref Unsafe.Add(ref xr, (k + 3) * batch + b)), s3);
                }

                gradW[j * inSize + k] += Vector.Sum(s0) + DotTail(delta, x, batch, j, k, vecEnd);
                gradW[j * inSize + k + 1] += Vector.Sum(s1) + DotTail(delta, x, batch, j, k + 1, vecEnd);
                gradW[j * inSize + k + 2] += Vector.Sum(s2) + DotTail(delta, x, batch, j, k + 2, vecEnd);
                gradW[j * inSize + k + 3] += Vector.Sum(s3) + DotTail(delta, x, batch, j, k + 3, vecEnd);
            }

            for (; k < inSize; k++)
            {
                gradW[j * inSize + k] += Dot(delta, x, batch, j, k, vecEnd);
            }
        }
    }

    /// <summary>gradBias[j] += Σ_b delta[j, b] (empty gradBias: skipped).</summary>
    private static void AccumulateBiasGradient(ReadOnlySpan<float> delta, int outSize, int batch, Span<float> gradBias)
    {
        if (gradBias.IsEmpty)
        {
            return;
        }

        ref float dr = ref MemoryMarshal.GetReference(delta);
        int vecEnd = batch - batch % W;
        for (int jj = 0; jj < outSize; jj++)
        {
            Vector<float> s = default;
            for (int b = 0; b < vecEnd; b += W)
            {
                s += Vector.LoadUnsafe(ref Unsafe.Add(ref dr, jj * batch + b));
            }

            float sum = Vector.Sum(s);
            for (int b = vecEnd; b < batch; b++) { sum += delta[jj * batch + b]; }
            gradBias[jj] += sum;
        }
    }

    /// <summary>Back-propagation to the layer's input: destination[k, b] = Σ_j w[j, k] · delta[j, b].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardInput(ReadOnlySpan<float> w, int inSize, int outSize, ReadOnlySpan<float> delta, int batch,
        Span<float> destination)
    {
        Check(w.Length >= inSize * outSize && delta.Length >= outSize * batch && destination.Length >= inSize * batch);
        if (UsesWideVectors)
        {
            int wideEnd = batch - batch % (2 * W);
            BackwardInputWide(ref MemoryMarshal.GetReference(w), inSize, outSize, ref MemoryMarshal.GetReference(delta), batch,
                ref MemoryMarshal.GetReference(destination), wideEnd);
            BackwardScalar(w, inSize, outSize, delta, batch, destination, 0, inSize, wideEnd);
        }
        else
        {
            BackwardInputVector(w, inSize, outSize, delta, batch, destination);
        }
    }

    /// <summary><see cref="BackwardInput"/> on <see cref="Vector{T}"/> (the path without AVX-512, and the wide path's twin).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BackwardInputVector(ReadOnlySpan<float> w, int inSize, int outSize, ReadOnlySpan<float> delta, int batch,
        Span<float> destination)
    {
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float dr = ref MemoryMarshal.GetReference(delta);
        ref float yr = ref MemoryMarshal.GetReference(destination);
        int vecEnd = batch - batch % (2 * W);
        int k = 0;
        for (; k + 4 <= inSize; k += 4)
        {
            for (int b = 0; b < vecEnd; b += 2 * W)
            {
                Vector<float> a00 = default, a01 = default, a10 = default, a11 = default,
                    a20 = default, a21 = default, a30 = default, a31 = default;
                for (int j = 0; j < outSize; j++)
                {
                    ref float dj = ref Unsafe.Add(ref dr, j * batch + b);
                    Vector<float> d0 = Vector.LoadUnsafe(ref dj), d1 = Vector.LoadUnsafe(ref dj, (nuint)W);
                    ref float wj = ref Unsafe.Add(ref wr, j * inSize + k);
                    Vector<float> w0 = new(wj), w1 = new(Unsafe.Add(ref wj, 1)), w2 = new(Unsafe.Add(ref wj, 2)), w3 = new(Unsafe.Add(ref wj, 3));
                    a00 = Vector.FusedMultiplyAdd(w0, d0, a00); a01 = Vector.FusedMultiplyAdd(w0, d1, a01);
                    a10 = Vector.FusedMultiplyAdd(w1, d0, a10); a11 = Vector.FusedMultiplyAdd(w1, d1, a11);
                    a20 = Vector.FusedMultiplyAdd(w2, d0, a20); a21 = Vector.FusedMultiplyAdd(w2, d1, a21);
                    a30 = Vector.FusedMultiplyAdd(w3, d0, a30); a31 = Vector.FusedMultiplyAdd(w3, d1, a31);
                }

                a00.StoreUnsafe(ref Unsafe.Add(ref yr, k * batch + b)); a01.StoreUnsafe(ref Unsafe.Add(ref yr, k * batch + b + W));
                a10.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 1) * batch + b)); a11.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 1) * batch + b + W));
                a20.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 2) * batch + b)); a21.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 2) * batch + b + W));
                a30.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 3) * batch + b)); a31.StoreUnsafe(ref Unsafe.Add(ref yr, (k + 3) * batch + b + W));
            }

            BackwardScalar(w, inSize, outSize, delta, batch, destination, k, k + 4, vecEnd);
        }

        for (; k < inSize; k++)
        {
            for (int b = 0; b < vecEnd; b += 2 * W)
            {
                Vector<float> a0 = default, a1 = default;
                for (int j = 0; j < outSize; j++)
                {
                    ref float dj = ref Unsafe.Add(ref dr, j * batch + b);
                    Vector<float> wk = new(Unsafe.Add(ref wr, j * inSize + k));
                    a0 = Vector.FusedMultiplyAdd(wk, Vector.LoadUnsafe(ref dj), a0);
                    a1 = Vector.FusedMultiplyAdd(wk, Vector.LoadUnsafe(ref dj, (nuint)W), a1);
                }

                a0.StoreUnsafe(ref Unsafe.Add(ref yr, k * batch + b));
                a1.StoreUnsafe(ref Unsafe.Add(ref yr, k * batch + b + W));
            }

            BackwardScalar(w, inSize, outSize, delta, batch, destination, k, k + 1, vecEnd);
        }
    }

    private static float Bias(ReadOnlySpan<float> bias, int j) => bias.IsEmpty ? 0f : bias[j];

    private static void ForwardScalar(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int inSize, ReadOnlySpan<float> x, int batch,
        Span<float> y, int jFrom, int jTo, int bFrom)
    {
        for (int j = jFrom; j < jTo; j++)
        {
            for (int b = bFrom; b < batch; b++)
            {
                float acc = Bias(bias, j);
                for (int k = 0; k < inSize; k++) { acc += w[j * inSize + k] * x[k * batch + b]; }
                y[j * batch + b] = acc;
            }
        }
    }

    private static void BackwardScalar(ReadOnlySpan<float> w, int inSize, int outSize, ReadOnlySpan<float> delta, int batch,
        Span<float> y, int kFrom, int kTo, int bFrom)
    {
        for (int k = kFrom; k < kTo; k++)
        {
            for (int b = bFrom; b < batch; b++)
            {
                float acc = 0f;
                for (int j = 0; j < outSize; j++) { acc += w[j * inSize + k] * delta[j * batch + b]; }
                y[k * batch + b] = acc;
            }
        }
    }

    private static float Dot(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int batch, int j, int k, int vecEnd)
    {
        Vector<float> s = default;
        for (int b = 0; b < vecEnd; b += W)
        {
            s = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(delta.Slice(j * batch + b))),
                Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x.Slice(k * batch + b))), s);
        }

        return Vector.Sum(s) + DotTail(delta, x, batch, j, k, vecEnd);
    }

    private static float DotTail(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int batch, int j, int k, int from)
    {
        float s = 0f;
        for (int b = from; b < batch; b++) { s += delta[j * batch + b] * x[k * batch + b]; }
        return s;
    }

    private static void Check(bool condition)
    {
        if (!condition)
        {
            throw new ArgumentException("span too short for the given sizes");
        }
    }
}
