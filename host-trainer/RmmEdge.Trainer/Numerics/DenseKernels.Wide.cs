using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// The 512-bit twins of the <see cref="Vector{T}"/> kernels (8 lanes), used where the CPU has AVX-512. They are
/// bit for bit the same (<c>DenseKernelsTests</c>); only more lanes run per instruction.
/// <list type="bullet">
/// <item>Forward and back to the input: each output lane is the same chain of fused multiply–adds, in the same
/// order, and the same samples (the last <c>batch % 16</c>) go to the scalar tail. Blocks: 4 rows × 32 samples
/// (8 accumulators, 6 loads per 8 fused multiply–adds), then one 16-sample vector where 32 do not fit.</item>
/// <item>Weight gradients (batches of whole 8-sample vectors; otherwise the <see cref="Vector{T}"/> kernel runs): that
/// kernel sums each weight's products in 8 lanes (lane l takes samples l, l + 8, …), then adds the lanes as
/// <c>Vector.Sum</c> does, (l0 + l1) + (l2 + l3) for each half and then the halves. Here one 512-bit register
/// carries two weights' 8-lane sums (two inputs side by side against the delta row repeated, or two delta rows
/// against one input repeated), and the sums of a tile are added across lanes by horizontal adds that keep
/// that order.</item>
/// </list>
/// </summary>
public static partial class DenseKernels
{
    private const int Wide = 16;

    /// <summary>The 512-bit path is taken: the hardware has it and <see cref="Vector{T}"/>, whose twin it is, has 8 lanes.</summary>
    internal static bool UsesWideVectors => Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported && Vector<float>.Count == 8;

    /// <summary>Samples [0, vecEnd) of every row; vecEnd is a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardWide(ref float wr, ReadOnlySpan<float> bias, int inSize, int outSize, ref float xr, int batch,
        ref float yr, int vecEnd)
    {
        int j = 0;
        for (; j + 4 <= outSize; j += 4)
        {
            float c0 = Bias(bias, j), c1 = Bias(bias, j + 1), c2 = Bias(bias, j + 2), c3 = Bias(bias, j + 3);
            ref float w0r = ref Unsafe.Add(ref wr, j * inSize);
            ref float w1r = ref Unsafe.Add(ref w0r, inSize);
            ref float w2r = ref Unsafe.Add(ref w1r, inSize);
            ref float w3r = ref Unsafe.Add(ref w2r, inSize);
            int b = 0;
            for (; b + 2 * Wide <= vecEnd; b += 2 * Wide)
            {
                Vector512<float> a00 = Vector512.Create(c0), a01 = a00, a10 = Vector512.Create(c1), a11 = a10,
                    a20 = Vector512.Create(c2), a21 = a20, a30 = Vector512.Create(c3), a31 = a30;
                ref float xk = ref Unsafe.Add(ref xr, b);
                for (int k = 0; k < inSize; k++)
                {
                    Vector512<float> x0 = Vector512.LoadUnsafe(ref xk), x1 = Vector512.LoadUnsafe(ref xk, Wide);
                    Vector512<float> w0 = Vector512.Create(Unsafe.Add(ref w0r, k)), w1 = Vector512.Create(Unsafe.Add(ref w1r, k));
                    Vector512<float> w2 = Vector512.Create(Unsafe.Add(ref w2r, k)), w3 = Vector512.Create(Unsafe.Add(ref w3r, k));
                    a00 = Vector512.FusedMultiplyAdd(w0, x0, a00); a01 = Vector512.FusedMultiplyAdd(w0, x1, a01);
                    a10 = Vector512.FusedMultiplyAdd(w1, x0, a10); a11 = Vector512.FusedMultiplyAdd(w1, x1, a11);
                    a20 = Vector512.FusedMultiplyAdd(w2, x0, a20); a21 = Vector512.FusedMultiplyAdd(w2, x1, a21);
                    a30 = Vector512.FusedMultiplyAdd(w3, x0, a30); a31 = Vector512.FusedMultiplyAdd(w3, x1, a31);
                    xk = ref Unsafe.Add(ref xk, batch);
                }

                StoreRows(ref Unsafe.Add(ref yr, j * batch + b), batch, a00, a01, a10, a11, a20, a21, a30, a31);
            }

            if (b < vecEnd)
            {
                Vector512<float> a0 = Vector512.Create(c0), a1 = Vector512.Create(c1), a2 = Vector512.Create(c2), a3 = Vector512.Create(c3);
                ref float xk = ref Unsafe.Add(ref xr, b);
                for (int k = 0; k < inSize; k++)
                {
                    Vector512<float> x0 = Vector512.LoadUnsafe(ref xk);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref w0r, k)), x0, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref w1r, k)), x0, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref w2r, k)), x0, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref w3r, k)), x0, a3);
                    xk = ref Unsafe.Add(ref xk, batch);
                }

                StoreRows(ref Unsafe.Add(ref yr, j * batch + b), batch, a0, a1, a2, a3);
            }
        }

        for (; j < outSize; j++)
        {
            float c = Bias(bias, j);
            ref float wj = ref Unsafe.Add(ref wr, j * inSize);
            for (int b = 0; b < vecEnd; b += Wide)
            {
                Vector512<float> a = Vector512.Create(c);
                ref float xk = ref Unsafe.Add(ref xr, b);
                for (int k = 0; k < inSize; k++)
                {
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref wj, k)), Vector512.LoadUnsafe(ref xk), a);
                    xk = ref Unsafe.Add(ref xk, batch);
                }

                a.StoreUnsafe(ref Unsafe.Add(ref yr, j * batch + b));
            }
        }
    }

    /// <summary>Samples [0, vecEnd) of every input row; vecEnd is a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardInputWide(ref float wr, int inSize, int outSize, ref float dr, int batch, ref float yr, int vecEnd)
    {
        int k = 0;
        for (; k + 4 <= inSize; k += 4)
        {
            int b = 0;
            for (; b + 2 * Wide <= vecEnd; b += 2 * Wide)
            {
                Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default,
                    a20 = default, a21 = default, a30 = default, a31 = default;
                ref float dj = ref Unsafe.Add(ref dr, b);
                ref float wj = ref Unsafe.Add(ref wr, k);
                for (int j = 0; j < outSize; j++)
                {
                    Vector512<float> d0 = Vector512.LoadUnsafe(ref dj), d1 = Vector512.LoadUnsafe(ref dj, Wide);
                    Vector512<float> w0 = Vector512.Create(wj), w1 = Vector512.Create(Unsafe.Add(ref wj, 1));
                    Vector512<float> w2 = Vector512.Create(Unsafe.Add(ref wj, 2)), w3 = Vector512.Create(Unsafe.Add(ref wj, 3));
                    a00 = Vector512.FusedMultiplyAdd(w0, d0, a00); a01 = Vector512.FusedMultiplyAdd(w0, d1, a01);
                    a10 = Vector512.FusedMultiplyAdd(w1, d0, a10); a11 = Vector512.FusedMultiplyAdd(w1, d1, a11);
                    a20 = Vector512.FusedMultiplyAdd(w2, d0, a20); a21 = Vector512.FusedMultiplyAdd(w2, d1, a21);
                    a30 = Vector512.FusedMultiplyAdd(w3, d0, a30); a31 = Vector512.FusedMultiplyAdd(w3, d1, a31);
                    dj = ref Unsafe.Add(ref dj, batch);
                    wj = ref Unsafe.Add(ref wj, inSize);
                }

                StoreRows(ref Unsafe.Add(ref yr, k * batch + b), batch, a00, a01, a10, a11, a20, a21, a30, a31);
            }

            if (b < vecEnd)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                ref float dj = ref Unsafe.Add(ref dr, b);
                ref float wj = ref Unsafe.Add(ref wr, k);
                for (int j = 0; j < outSize; j++)
                {
                    Vector512<float> d0 = Vector512.LoadUnsafe(ref dj);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(wj), d0, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref wj, 1)), d0, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref wj, 2)), d0, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref wj, 3)), d0, a3);
                    dj = ref Unsafe.Add(ref dj, batch);
                    wj = ref Unsafe.Add(ref wj, inSize);
                }

                StoreRows(ref Unsafe.Add(ref yr, k * batch + b), batch, a0, a1, a2, a3);
            }
        }

        for (; k < inSize; k++)
        {
            for (int b = 0; b < vecEnd; b += Wide)
            {
                Vector512<float> a = default;
                ref float dj = ref Unsafe.Add(ref dr, b);
                for (int j = 0; j < outSize; j++)
                {
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref wr, j * inSize + k)), Vector512.LoadUnsafe(ref dj), a);
                    dj = ref Unsafe.Add(ref dj, batch);
                }

                a.StoreUnsafe(ref Unsafe.Add(ref yr, k * batch + b));
            }
        }
    }

    /// <summary>Four rows (batch apart) of 32 samples: rows r = a{r}0 then a{r}1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(ref float y, int batch, Vector512<float> a00, Vector512<float> a01, Vector512<float> a10, Vector512<float> a11,
        Vector512<float> a20, Vector512<float> a21, Vector512<float> a30, Vector512<float> a31)
    {
        StoreRows(ref y, batch, a00, a10, a20, a30);
        StoreRows(ref Unsafe.Add(ref y, Wide), batch, a01, a11, a21, a31);
    }

    /// <summary>Four rows (batch apart) of 16 samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(ref float y, int batch, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        a0.StoreUnsafe(ref y);
        a1.StoreUnsafe(ref Unsafe.Add(ref y, batch));
        a2.StoreUnsafe(ref Unsafe.Add(ref y, 2 * batch));
        a3.StoreUnsafe(ref Unsafe.Add(ref y, 3 * batch));
    }

    /// <summary>
    /// Weight gradients for a batch of whole 8-sample vectors (no scalar tail); false (nothing done) otherwise.
    /// Tiles: 4 rows × 4 inputs, then 4 × 2; 2 rows × 4, then 2 × 2; 1 row × 8, then 1 × 2; any input left as <see cref="Dot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe bool AccumulateGradientsWide(ReadOnlySpan<float> delta, ReadOnlySpan<float> x, int inSize, int outSize, int batch,
        Span<float> gradW)
    {
        if (batch % 8 != 0)
        {
            return false;
        }

        fixed (float* dr = delta, xr = x, gr = gradW)
        {
            int j = 0;
            for (; j + 4 <= outSize; j += 4)
            {
                int k = 0;
                for (; k + 4 <= inSize; k += 4) { Tile4x4(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k, inSize); }
                for (; k + 2 <= inSize; k += 2) { Tile4x2(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k, inSize); }
                for (; k < inSize; k++)
                {
                    for (int jj = j; jj < j + 4; jj++) { gr[jj * inSize + k] += Dot(delta, x, batch, jj, k, batch); }
                }
            }

            for (; j + 2 <= outSize; j += 2)
            {
                int k = 0;
                for (; k + 4 <= inSize; k += 4) { Tile2x4(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k, inSize); }
                for (; k + 2 <= inSize; k += 2) { Tile2x2(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k, inSize); }
                for (; k < inSize; k++)
                {
                    for (int jj = j; jj < j + 2; jj++) { gr[jj * inSize + k] += Dot(delta, x, batch, jj, k, batch); }
                }
            }

            for (; j < outSize; j++)
            {
                int k = 0;
                for (; k + 8 <= inSize; k += 8) { Tile1x8(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k); }
                for (; k + 2 <= inSize; k += 2) { Tile1x2(dr + j * batch, xr + k * batch, batch, gr + j * inSize + k); }
                for (; k < inSize; k++) { gr[j * inSize + k] += Dot(delta, x, batch, j, k, batch); }
            }
        }

        return true;
    }

    // Every tile: d points at its first delta row, x at its first input row (rows batch apart), g at its first
    // weight gradient (rows inSize apart). Each 512-bit accumulator holds two weights' 8-lane sums; "+ Zero" is
    // the DotTail of no samples, which the Vector<T> kernel adds.

    private static unsafe void Tile4x4(float* d, float* x, int batch, float* g, int inSize)
    {
        // p{row}{pair}: inputs (0, 1) for pair 0 and (2, 3) for pair 1.
        Vector512<float> p00 = default, p01 = default, p10 = default, p11 = default,
            p20 = default, p21 = default, p30 = default, p31 = default;
        float* d1 = d + batch, d2 = d1 + batch, d3 = d2 + batch, x2 = x + 2 * batch;
        for (int b = 0; b < batch; b += 8)
        {
            Vector512<float> xa = Pair(x + b, batch), xb = Pair(x2 + b, batch);
            Vector512<float> e = Twice(d + b);
            p00 = Vector512.FusedMultiplyAdd(e, xa, p00); p01 = Vector512.FusedMultiplyAdd(e, xb, p01);
            e = Twice(d1 + b);
            p10 = Vector512.FusedMultiplyAdd(e, xa, p10); p11 = Vector512.FusedMultiplyAdd(e, xb, p11);
            e = Twice(d2 + b);
            p20 = Vector512.FusedMultiplyAdd(e, xa, p20); p21 = Vector512.FusedMultiplyAdd(e, xb, p21);
            e = Twice(d3 + b);
            p30 = Vector512.FusedMultiplyAdd(e, xa, p30); p31 = Vector512.FusedMultiplyAdd(e, xb, p31);
        }

        Vector256<float> rows01 = Sums(p00.GetLower(), p00.GetUpper(), p01.GetLower(), p01.GetUpper(),
            p10.GetLower(), p10.GetUpper(), p11.GetLower(), p11.GetUpper()) + Vector256<float>.Zero;
        Vector256<float> rows23 = Sums(p20.GetLower(), p20.GetUpper(), p21.GetLower(), p21.GetUpper(),
            p30.GetLower(), p30.GetUpper(), p31.GetLower(), p31.GetUpper()) + Vector256<float>.Zero;
        AddTo(g, rows01.GetLower());
        AddTo(g + inSize, rows01.GetUpper());
        AddTo(g + 2 * inSize, rows23.GetLower());
        AddTo(g + 3 * inSize, rows23.GetUpper());
    }

    private static unsafe void Tile4x2(float* d, float* x, int batch, float* g, int inSize)
    {
        Vector512<float> p0 = default, p1 = default, p2 = default, p3 = default;
        float* d1 = d + batch, d2 = d1 + batch, d3 = d2 + batch;
        for (int b = 0; b < batch; b += 8)
        {
            Vector512<float> xa = Pair(x + b, batch);
            p0 = Vector512.FusedMultiplyAdd(Twice(d + b), xa, p0);
            p1 = Vector512.FusedMultiplyAdd(Twice(d1 + b), xa, p1);
            p2 = Vector512.FusedMultiplyAdd(Twice(d2 + b), xa, p2);
            p3 = Vector512.FusedMultiplyAdd(Twice(d3 + b), xa, p3);
        }

        Vector256<float> s = Sums(p0.GetLower(), p0.GetUpper(), p1.GetLower(), p1.GetUpper(),
            p2.GetLower(), p2.GetUpper(), p3.GetLower(), p3.GetUpper()) + Vector256<float>.Zero;
        for (int r = 0; r < 4; r++)
        {
            g[r * inSize] += s.GetElement(2 * r);
            g[r * inSize + 1] += s.GetElement(2 * r + 1);
        }
    }

    private static unsafe void Tile2x4(float* d, float* x, int batch, float* g, int inSize)
    {
        // q{input}: [row 0 | row 1] of that input.
        Vector512<float> q0 = default, q1 = default, q2 = default, q3 = default;
        float* x1 = x + batch, x2 = x1 + batch, x3 = x2 + batch;
        for (int b = 0; b < batch; b += 8)
        {
            Vector512<float> e = Pair(d + b, batch);
            q0 = Vector512.FusedMultiplyAdd(e, Twice(x + b), q0);
            q1 = Vector512.FusedMultiplyAdd(e, Twice(x1 + b), q1);
            q2 = Vector512.FusedMultiplyAdd(e, Twice(x2 + b), q2);
            q3 = Vector512.FusedMultiplyAdd(e, Twice(x3 + b), q3);
        }

        Vector256<float> s = Sums(q0.GetLower(), q1.GetLower(), q2.GetLower(), q3.GetLower(),
            q0.GetUpper(), q1.GetUpper(), q2.GetUpper(), q3.GetUpper()) + Vector256<float>.Zero;
        AddTo(g, s.GetLower());
        AddTo(g + inSize, s.GetUpper());
    }

    private static unsafe void Tile2x2(float* d, float* x, int batch, float* g, int inSize)
    {
        Vector512<float> q0 = default, q1 = default;
        float* x1 = x + batch;
        for (int b = 0; b < batch; b += 8)
        {
            Vector512<float> e = Pair(d + b, batch);
            q0 = Vector512.FusedMultiplyAdd(e, Twice(x + b), q0);
            q1 = Vector512.FusedMultiplyAdd(e, Twice(x1 + b), q1);
        }

        Vector256<float> s = Sums(q0.GetLower(), q1.GetLower(), q0.GetUpper(), q1.GetUpper(),
            default, default, default, default) + Vector256<float>.Zero;
        g[0] += s.GetElement(0);
        g[1] += s.GetElement(1);
        g[inSize] += s.GetElement(2);
        g[inSize + 1] += s.GetElement(3);
    }

    private static unsafe void Tile1x8(float* d, float* x, int batch, float* g)
    {
        // p{pair}: inputs (2 · pair, 2 · pair + 1).
        Vector512<float> p0 = default, p1 = default, p2 = default, p3 = default;
        float* x2 = x + 2 * batch, x4 = x2 + 2 * batch, x6 = x4 + 2 * batch;
        for (int b = 0; b < batch; b += 8)
        {
            Vector512<float> e = Twice(d + b);
            p0 = Vector512.FusedMultiplyAdd(e, Pair(x + b, batch), p0);
            p1 = Vector512.FusedMultiplyAdd(e, Pair(x2 + b, batch), p1);
            p2 = Vector512.FusedMultiplyAdd(e, Pair(x4 + b, batch), p2);
            p3 = Vector512.FusedMultiplyAdd(e, Pair(x6 + b, batch), p3);
        }

        Vector256<float> s = Sums(p0.GetLower(), p0.GetUpper(), p1.GetLower(), p1.GetUpper(),
            p2.GetLower(), p2.GetUpper(), p3.GetLower(), p3.GetUpper()) + Vector256<float>.Zero;
        AddTo(g, s.GetLower());
        AddTo(g + 4, s.GetUpper());
    }

    private static unsafe void Tile1x2(float* d, float* x, int batch, float* g)
    {
        Vector512<float> p = default;
        for (int b = 0; b < batch; b += 8)
        {
            p = Vector512.FusedMultiplyAdd(Twice(d + b), Pair(x + b, batch), p);
        }

        Vector256<float> s = Sums(p.GetLower(), p.GetUpper(), default, default, default, default, default, default) + Vector256<float>.Zero;
        g[0] += s.GetElement(0);
        g[1] += s.GetElement(1);
    }

    /// <summary>[8 floats at row | 8 floats one row (stride floats) further].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Pair(float* row, int stride) =>
        Avx512F.InsertVector256(Avx.LoadVector256(row).ToVector512Unsafe(), Avx.LoadVector256(row + stride), 1);

    /// <summary>[8 floats | the same 8 floats].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Twice(float* row) => Avx512DQ.BroadcastVector256ToVector512(row);

    /// <summary>
    /// The eight 8-lane sums [Σa, Σb, …, Σh], each added as <c>Vector.Sum</c> adds: (l0 + l1) + (l2 + l3) for
    /// each half, then the halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Sums(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        Vector256<float> e, Vector256<float> f, Vector256<float> g, Vector256<float> h)
    {
        Vector256<float> abcd = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        Vector256<float> efgh = Avx.HorizontalAdd(Avx.HorizontalAdd(e, f), Avx.HorizontalAdd(g, h));
        return Vector256.Create(abcd.GetLower() + abcd.GetUpper(), efgh.GetLower() + efgh.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTo(float* destination, Vector128<float> value) =>
        Sse.Store(destination, Sse.LoadVector128(destination) + value);
}
