using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// Approximately Gaussian noise for regularising teacher forcing, fast enough to perturb every
/// input of every sample each epoch (37 values per sample). Sixteen independent xorshift32 lanes;
/// element i of a call takes lane i mod 16 at that lane's next step, and every lane steps once per
/// block of 16 elements (also for a partial last block). A draw is the Irwin–Hall sum of its four
/// bytes (0…1020, mean 510, SD √21845), rescaled to the requested SD.
/// The 512-bit, 256-bit and scalar paths give bit-identical values (integer steps, then the same
/// float convert, multiply and add), so a seed gives the same run on any x64 or Arm machine.
/// Allocation-free after construction.
/// </summary>
public sealed class GaussianNoise
{
    public const int Lanes = 16;

    private const float ByteSumMean = 510f;
    private static readonly float InverseByteSumSd = (float)(1 / Math.Sqrt(4 * (256.0 * 256.0 - 1) / 12));

    private readonly uint[] _state = new uint[Lanes];

    public GaussianNoise(ulong seed = 1) => Seed(seed);

    /// <summary>Restarts every lane from <paramref name="seed"/> (splitmix64; never an all-zero lane).</summary>
    public void Seed(ulong seed)
    {
        ulong x = seed;
        for (int lane = 0; lane < Lanes; lane++)
        {
            x += 0x9E3779B97F4A7C15UL;
            ulong z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            uint s = (uint)z ^ (uint)(z >> 32);
            _state[lane] = s == 0 ? 0x6C078965u : s;
        }
    }

    /// <summary>values[i] += sigma · N(0, 1) (approximately), for every i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(Span<float> values, float sigma)
    {
        float scale = sigma * InverseByteSumSd;
        if (Vector512.IsHardwareAccelerated)
        {
            Add512(values, scale);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Add256(values, scale);
        }
        else
        {
            AddScalar(values, scale);
        }
    }

    /// <summary>The definition, one lane at a time; the vector paths must equal it bit for bit.</summary>
    internal void AddScalar(Span<float> values, float scale)
    {
        for (int start = 0; start < values.Length; start += Lanes)
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                uint x = _state[lane];
                x ^= x << 13; x ^= x >> 17; x ^= x << 5;
                _state[lane] = x;
                if (start + lane < values.Length)
                {
                    uint t = (x & 0x00FF00FFu) + ((x >> 8) & 0x00FF00FFu);
                    int sum = (int)((t & 0xFFFFu) + (t >> 16));
                    values[start + lane] += (sum - ByteSumMean) * scale;
                }
            }
        }
    }

    internal void Add512(Span<float> values, float scale)
    {
        ref uint sr = ref MemoryMarshal.GetArrayDataReference(_state);
        Vector512<uint> x = Vector512.LoadUnsafe(ref sr);
        Vector512<float> s = Vector512.Create(scale), mean = Vector512.Create(ByteSumMean);
        ref float vr = ref MemoryMarshal.GetReference(values);
        int full = values.Length - values.Length % Lanes;
        for (int i = 0; i < full; i += Lanes)
        {
            x = Step(x);
            Vector512<float> noise = (Vector512.ConvertToSingle(ByteSum(x).AsInt32()) - mean) * s;
            (Vector512.LoadUnsafe(ref vr, (nuint)i) + noise).StoreUnsafe(ref vr, (nuint)i);
        }

        if (full < values.Length)
        {
            x = Step(x);
            Vector512<float> noise = (Vector512.ConvertToSingle(ByteSum(x).AsInt32()) - mean) * s;
            for (int i = full; i < values.Length; i++) { values[i] += noise[i - full]; }
        }

        x.StoreUnsafe(ref sr);
    }

    internal void Add256(Span<float> values, float scale)
    {
        ref uint sr = ref MemoryMarshal.GetArrayDataReference(_state);
        Vector256<uint> lo = Vector256.LoadUnsafe(ref sr), hi = Vector256.LoadUnsafe(ref sr, 8);
        Vector256<float> s = Vector256.Create(scale), mean = Vector256.Create(ByteSumMean);
        ref float vr = ref MemoryMarshal.GetReference(values);
        int full = values.Length - values.Length % Lanes;
        for (int i = 0; i < full; i += Lanes)
        {
            lo = Step(lo);
            hi = Step(hi);
            (Vector256.LoadUnsafe(ref vr, (nuint)i) + (Vector256.ConvertToSingle(ByteSum(lo).AsInt32()) - mean) * s).StoreUnsafe(ref vr, (nuint)i);
            (Vector256.LoadUnsafe(ref vr, (nuint)(i + 8)) + (Vector256.ConvertToSingle(ByteSum(hi).AsInt32()) - mean) * s).StoreUnsafe(ref vr, (nuint)(i + 8));
        }

        if (full < values.Length)
        {
            lo = Step(lo);
            hi = Step(hi);
            Vector256<float> a = (Vector256.ConvertToSingle(ByteSum(lo).AsInt32()) - mean) * s;
            Vector256<float> b = (Vector256.ConvertToSingle(ByteSum(hi).AsInt32()) - mean) * s;
            for (int i = full; i < values.Length; i++) { values[i] += i - full < 8 ? a[i - full] : b[i - full - 8]; }
        }

        lo.StoreUnsafe(ref sr);
        hi.StoreUnsafe(ref sr, 8);
    }

    private static Vector512<uint> Step(Vector512<uint> x)
    {
        x ^= x << 13;
        x ^= x >> 17;
        return x ^ (x << 5);
    }

    private static Vector256<uint> Step(Vector256<uint> x)
    {
        x ^= x << 13;
        x ^= x >> 17;
        return x ^ (x << 5);
    }

    private static Vector512<uint> ByteSum(Vector512<uint> x)
    {
        Vector512<uint> pairs = Vector512.Create(0x00FF00FFu);
        Vector512<uint> t = (x & pairs) + ((x >> 8) & pairs);
        return (t & Vector512.Create(0xFFFFu)) + (t >> 16);
    }

    private static Vector256<uint> ByteSum(Vector256<uint> x)
    {
        Vector256<uint> pairs = Vector256.Create(0x00FF00FFu);
        Vector256<uint> t = (x & pairs) + ((x >> 8) & pairs);
        return (t & Vector256.Create(0xFFFFu)) + (t >> 16);
    }
}
