using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using RmmEdge.Rig.Numerics;
using RmmEdge.Trainer.Numerics;
using Xunit;

namespace RmmEdge.Rig.Tests;

/// <summary>
/// The simulator's exponential: its table is what its definition says, the eight-wide path equals the scalar one
/// bit for bit (special arguments included), and on Linux x86-64 with FMA both equal Math.Exp (glibc's
/// __exp_fma) bit for bit, which is what keeps the simulated recordings unchanged.
/// </summary>
public sealed class TableExpTests
{
    /// <summary>Arguments over the whole range the simulator uses and beyond, and every special case.</summary>
    private static double[] Arguments(int count)
    {
        var random = new Random(17);
        var values = new List<double> { 0, -0.0, 1e-300, -1e-17, Math.ScaleB(1, -54), Math.ScaleB(1, -55), 511.9, -511.9, 512, -745.2, 709.8, 710,
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, Math.Log(2) / 256 };
        while (values.Count < count)
        {
            double magnitude = Math.Pow(10, random.NextDouble() * 6 - 4); // 10⁻⁴ … 100
            values.Add(random.Next(2) == 0 ? magnitude : -magnitude);
        }

        return [.. values];
    }

    [Fact]
    public void TheTableHoldsTheNearestDoublesOfItsDefinition()
    {
        // 2^(j/128) in fixed point with 256 fraction bits: 2^(1/128) by seven square roots, then products.
        const int fraction = 256;
        BigInteger one = BigInteger.One << fraction;
        var roots = new BigInteger[7]; // roots[b] = 2^(2^b / 128)
        BigInteger value = 2 * one;
        for (int b = 6; b >= 0; b--)
        {
            value = SquareRoot(value << fraction);
            roots[b] = value;
        }

        for (int j = 0; j < 128; j++)
        {
            BigInteger power = one;
            for (int b = 0; b < 7; b++)
            {
                if ((j >> b & 1) != 0) { power = power * roots[b] >> fraction; }
            }

            double h = Nearest(power, fraction);
            BigInteger hFixed = new BigInteger(h * (1L << 52)) << (fraction - 52);
            double t = Nearest((power - hFixed << fraction) / hFixed, fraction);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(t), TableExp.Table[2 * j]);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(h) - ((ulong)j << 45), TableExp.Table[2 * j + 1]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(28)]
    [InlineData(100_003)]
    public void TheVectorPathEqualsTheScalarOneBitForBit(int count)
    {
        double[] x = Arguments(count)[..count];
        double[] wide = new double[count], inPlace = (double[])x.Clone();
        TableExp.Apply(x, wide);
        TableExp.Apply(inPlace, inPlace);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(BitConverter.DoubleToUInt64Bits(TableExp.Of(x[i])), BitConverter.DoubleToUInt64Bits(wide[i]));
            Assert.Equal(BitConverter.DoubleToUInt64Bits(TableExp.Of(x[i])), BitConverter.DoubleToUInt64Bits(inPlace[i]));
        }
    }

    [SkippableFact]
    public void OnLinuxWithFmaItIsMathExpBitForBit()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Fma.IsSupported,
            "Math.Exp is glibc's __exp_fma only on Linux x86-64 with FMA; elsewhere the platform's exp differs in last bits");

        double[] x = Arguments(1_000_000);
        double[] wide = new double[x.Length];
        TableExp.Apply(x, wide);
        int differing = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ulong expected = BitConverter.DoubleToUInt64Bits(Math.Exp(x[i]));
            if (expected != BitConverter.DoubleToUInt64Bits(TableExp.Of(x[i])) || expected != BitConverter.DoubleToUInt64Bits(wide[i]))
            {
                differing++;
            }
        }

        Assert.Equal(0, differing);
    }

    [Fact]
    public void ItIsWithinAboutHalfAnUlpOfTheExactValue()
    {
        // Against e^x from its series in 256-bit fixed point, for arguments in [−8, 8]: glibc states 0.511 ulp.
        const int fraction = 256;
        var random = new Random(5);
        for (int n = 0; n < 2000; n++)
        {
            double x = random.NextDouble() * 16 - 8;
            double y = TableExp.Of(x);
            int exponent = Math.ILogB(y);
            BigInteger yFixed = new BigInteger(Math.ScaleB(y, 52 - exponent)) << (fraction + exponent - 52);
            BigInteger ulp = BigInteger.One << (fraction + exponent - 52);
            BigInteger error = BigInteger.Abs(yFixed - ExactExp(x, fraction));
            Assert.True(error * 100 <= ulp * 52, $"e^{x:R} = {y:R} is {(double)error / (double)ulp:0.000} ulp off");
        }
    }

    /// <summary>e^x · 2^fraction: the series of e^(|x|/16), squared four times, inverted for x &lt; 0.</summary>
    private static BigInteger ExactExp(double x, int fraction)
    {
        BigInteger one = BigInteger.One << fraction;
        BigInteger xFixed = new BigInteger(Math.Abs(x) * (1L << 52)) << (fraction - 52 - 4);
        BigInteger term = one, sum = one;
        for (int k = 1; k < 60; k++)
        {
            term = term * xFixed / (k * one);
            sum += term;
        }

        for (int s = 0; s < 4; s++) { sum = sum * sum >> fraction; }
        return x >= 0 ? sum : (BigInteger.One << (2 * fraction)) / sum;
    }

    /// <summary>The double nearest value / 2^fraction (value positive or negative, far from a tie).</summary>
    private static double Nearest(BigInteger value, int fraction)
    {
        int sign = value.Sign;
        BigInteger magnitude = BigInteger.Abs(value);
        long length = (long)magnitude.GetBitLength();
        int drop = (int)length - 53;
        BigInteger mantissa = drop > 0 ? magnitude >> drop : magnitude << -drop;
        if (drop > 0 && (magnitude >> (drop - 1) & 1) == 1) { mantissa += 1; }
        return sign * Math.ScaleB((double)mantissa, drop - fraction);
    }

    private static BigInteger SquareRoot(BigInteger n)
    {
        BigInteger x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger next = (x + n / x) >> 1;
            if (next >= x) { return x; }
            x = next;
        }
    }
}
