using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// Gathers chosen rows of a sample-major table (rows[k * width + i]) into a feature-major chunk
/// (z[i * n + b] = rows[samples[b] * width + i]), the layout the dense kernels run on. The rows lie
/// scattered over the record, so they are cache misses: each row is prefetched a few samples ahead.
/// With AVX, groups of 8 rows are transposed 8 features at a time in registers; the scalar loop is
/// the definition and handles the rest. A copy, so every path gives the same values.
/// </summary>
public static class RowGather
{
    private const int Ahead = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Gather(ReadOnlySpan<int> samples, ReadOnlySpan<float> rows, int width, Span<float> z)
    {
        int n = samples.Length;
        if (z.Length < width * n)
        {
            throw new ArgumentException("chunk too short for the given sizes", nameof(z));
        }

        foreach (int k in samples)
        {
            if ((uint)k >= (uint)(rows.Length / width))
            {
                throw new ArgumentOutOfRangeException(nameof(samples), $"row {k} is outside the table");
            }
        }

        fixed (float* table = rows)
        fixed (float* zp = z)
        fixed (int* index = samples)
        {
            int b = 0;
            if (Avx.IsSupported)
            {
                for (; b + 8 <= n; b += 8)
                {
                    Prefetch(table, index, width, b, n, 8);
                    Gather8(table, index + b, width, zp + b, n);
                }
            }

            for (; b < n; b++)
            {
                Prefetch(table, index, width, b, n, 1);
                float* row = table + (long)index[b] * width;
                for (int i = 0; i < width; i++)
                {
                    zp[i * n + b] = row[i];
                }
            }
        }
    }

    private static unsafe void Prefetch(float* table, int* index, int width, int b, int n, int count)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        int bytes = width * sizeof(float);
        for (int s = b + Ahead; s < Math.Min(b + Ahead + count, n); s++)
        {
            byte* next = (byte*)(table + (long)index[s] * width);
            for (int off = 0; off < bytes; off += 64)
            {
                Sse.Prefetch0(next + off);
            }

            Sse.Prefetch0(next + bytes - 1);
        }
    }

    /// <summary>Eight rows into eight columns of z: 8×8 register transposes, then the remaining features one by one.</summary>
    private static unsafe void Gather8(float* table, int* index, int width, float* z, int n)
    {
        float* r0 = table + (long)index[0] * width, r1 = table + (long)index[1] * width;
        float* r2 = table + (long)index[2] * width, r3 = table + (long)index[3] * width;
        float* r4 = table + (long)index[4] * width, r5 = table + (long)index[5] * width;
        float* r6 = table + (long)index[6] * width, r7 = table + (long)index[7] * width;
        int i = 0;
        for (; i + 8 <= width; i += 8)
        {
            Vector256<float> t0 = Avx.UnpackLow(Avx.LoadVector256(r0 + i), Avx.LoadVector256(r1 + i));
            Vector256<float> t1 = Avx.UnpackHigh(Avx.LoadVector256(r0 + i), Avx.LoadVector256(r1 + i));
            Vector256<float> t2 = Avx.UnpackLow(Avx.LoadVector256(r2 + i), Avx.LoadVector256(r3 + i));
            Vector256<float> t3 = Avx.UnpackHigh(Avx.LoadVector256(r2 + i), Avx.LoadVector256(r3 + i));
            Vector256<float> t4 = Avx.UnpackLow(Avx.LoadVector256(r4 + i), Avx.LoadVector256(r5 + i));
            Vector256<float> t5 = Avx.UnpackHigh(Avx.LoadVector256(r4 + i), Avx.LoadVector256(r5 + i));
            Vector256<float> t6 = Avx.UnpackLow(Avx.LoadVector256(r6 + i), Avx.LoadVector256(r7 + i));
            Vector256<float> t7 = Avx.UnpackHigh(Avx.LoadVector256(r6 + i), Avx.LoadVector256(r7 + i));
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(z + (i + 0) * n, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(z + (i + 1) * n, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(z + (i + 2) * n, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(z + (i + 3) * n, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(z + (i + 4) * n, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(z + (i + 5) * n, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(z + (i + 6) * n, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(z + (i + 7) * n, Avx.Permute2x128(u3, u7, 0x31));
        }

        for (; i < width; i++)
        {
            float* column = z + i * n;
            column[0] = r0[i]; column[1] = r1[i]; column[2] = r2[i]; column[3] = r3[i];
            column[4] = r4[i]; column[5] = r5[i]; column[6] = r6[i]; column[7] = r7[i];
        }
    }
}
