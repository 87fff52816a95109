namespace RmmEdge.Rig.Numerics;

/// <summary>Standard normal draws from a <see cref="Random"/>: the one Box–Muller of the host side.</summary>
public static class RandomGaussian
{
    /// <summary>
    /// One N(0, 1) draw by Box–Muller, from two uniform draws taken in this order: u1 in (0, 1] (so its
    /// logarithm is finite), then u2; only the cosine branch is used, so a seed gives the same sequence
    /// whatever else draws from the generator between calls.
    /// </summary>
    public static double NextGaussian(this Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
