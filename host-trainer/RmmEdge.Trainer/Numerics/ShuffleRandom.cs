namespace RmmEdge.Trainer.Numerics;

/// <summary>
/// The generator behind training's per-epoch shuffles: xorshift64* seeded through splitmix64, with
/// bounded draws by a 64×64-bit multiply-high (bias below n / 2⁶⁴, under 10⁻¹³ for any record). The
/// seeded System.Random is several times slower, and a shuffle of 600,000 samples runs on one core
/// while the other waits. Deterministic for a seed on every machine.
/// </summary>
public sealed class ShuffleRandom
{
    private ulong _state;

    public ShuffleRandom(ulong seed)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        _state = z == 0 ? 0x2545F4914F6CDD1DUL : z;
    }

    /// <summary>A uniform integer in [0, n).</summary>
    public int NextBelow(int n)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        ulong draw = _state * 0x2545F4914F6CDD1DUL;
        return (int)Math.BigMul(draw, (ulong)n, out _);
    }

    /// <summary>Fisher–Yates, in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextBelow(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
