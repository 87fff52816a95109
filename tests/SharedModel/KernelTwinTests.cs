using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.SharedModel.Tests;

/// <summary>
/// The C# reference kernel and its C twin must agree bit for bit (CM9/CM10): same model file, same
/// inputs, every voltage and current of every step identical. Reports every mismatching index.
/// </summary>
public sealed class KernelTwinTests(TrainedStgModel trained, NativeKernel native, ITestOutputHelper output)
    : IClassFixture<TrainedStgModel>, IClassFixture<NativeKernel>
{
    private static (int[] V0, int[] Injected, int[] Measured) RandomInputs(int neurons, int steps, int seed)
    {
        var r = new Random(seed);
        int[] injected = new int[neurons * steps], measured = new int[neurons * steps];
        double v = -60;
        for (int k = 0; k < steps; k++)
        {
            v = Math.Clamp(v + 3 * (r.NextDouble() - 0.5) + (k % 4000 < 200 ? 2 : 0), -110, 60);
            for (int i = 0; i < neurons; i++)
            {
                // Occasional extreme values make the saturations bite.
                injected[k * neurons + i] = r.Next(1000) == 0 ? (r.Next(2) == 0 ? int.MaxValue : int.MinValue) : Quantizer.Q(4 * (r.NextDouble() - 0.5), 16);
                measured[k * neurons + i] = Quantizer.Q(v, 16);
            }
        }

        return (Enumerable.Repeat(Quantizer.Q(-60, 16), neurons).ToArray(), injected, measured);
    }

    private void AssertTwinsAgree(byte[] file, int neurons, int[] v0, int[] injected, int[] measured, int steps, string what)
    {
        RmmqModel model = FixedPointRun.Load(file);
        var kernel = new StepKernel(model);
        kernel.Reset(v0);
        int[] cV = new int[neurons * steps], cI = new int[neurons * steps];
        var clock = Stopwatch.StartNew();
        int status = native.Run(file, (uint)file.Length, v0, injected, measured, steps, cV, cI);
        double cSeconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(0, status);
        int[] inj = new int[neurons], mea = new int[neurons];
        var mismatches = new List<string>();
        clock.Restart();
        for (int k = 0; k < steps; k++)
        {
            Array.Copy(injected, k * neurons, inj, 0, neurons);
            Array.Copy(measured, k * neurons, mea, 0, neurons);
            kernel.Step(inj, mea);
            for (int i = 0; i < neurons; i++)
            {
                if (kernel.Voltages[i] != cV[k * neurons + i] || kernel.CurrentsInto[i] != cI[k * neurons + i])
                {
                    if (mismatches.Count < 20)
                    {
                        mismatches.Add($"step {k} neuron {i}: C# v={kernel.Voltages[i]} I={kernel.CurrentsInto[i]}, C v={cV[k * neurons + i]} I={cI[k * neurons + i]}");
                    }
                    else
                    {
                        mismatches.Add("");
                    }
                }
            }
        }

        output.WriteLine($"{what}: {steps:N0} steps x {neurons} neurons, C {cSeconds * 1e9 / steps:0} ns/step, C# {clock.Elapsed.TotalSeconds * 1e9 / steps:0} ns/step, {mismatches.Count} mismatches");
        Assert.True(mismatches.Count == 0, $"{what}: {mismatches.Count} mismatching values:\n{string.Join('\n', mismatches.Take(20))}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(8)]
    public void RecordedInputsGiveBitIdenticalFreeRuns(int bits)
    {
        byte[] file = Quantizer.Compile(trained.Network, bits, out _);
        int steps = trained.Data.Length;
        int[] injected = trained.Data.Neurons[0].I.Select(x => Quantizer.Q(x, 16)).ToArray();
        int[] measured = trained.Data.Neurons[0].V.Select(x => Quantizer.Q(x, 16)).ToArray();
        AssertTwinsAgree(file, 1, [measured[0]], injected, measured, steps, $"STG model, {bits}-bit, recorded current");
    }

    [Theory]
    [InlineData(16, 1, false)]
    [InlineData(8, 2, false)]
    [InlineData(16, 3, true)]
    [InlineData(8, 4, true)]
    public void RandomInputsGiveBitIdenticalRunsThroughEveryPath(int bits, int seed, bool activity)
    {
        byte[] file = Quantizer.Compile(activity ? TestNetworks.ActivityCircuit(seed) : TestNetworks.Circuit(seed), bits, out _);
        Assert.Equal(activity ? 2 : 1, FixedPointRun.Load(file).Version);
        (int[] v0, int[] injected, int[] measured) = RandomInputs(2, 100_000, seed);
        AssertTwinsAgree(file, 2, v0, injected, measured, 100_000,
            $"circuit with external neuron{(activity ? " and spike-activity banks (format 2)" : "")}, {bits}-bit, random inputs");
    }

    /// <summary>
    /// The C requantization takes 32-bit shortcuts by shift range and operand size (rmm_fixed.h);
    /// every range must give FixedPoint.Requantize's value, including the boundaries 15/16, 32/33
    /// and operands just inside and outside 32 bits.
    /// </summary>
    [Fact]
    public void RequantizationShortcutsGiveTheReferenceValueOnEveryShiftAndOperandRange()
    {
        var random = new Random(5);
        long[] edges = [0, 1, -1, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, (long)int.MinValue - 1, 1L << 47, -(1L << 47)];
        int mismatches = 0, cases = 0;
        string first = "";
        for (int shift = 0; shift <= FixedPoint.ShiftMax; shift++)
        {
            for (int k = 0; k < 20_000; k++)
            {
                long x = k < edges.Length ? edges[k]
                    : (k & 1) == 0 ? random.NextInt64(int.MinValue, (long)int.MaxValue + 1)
                    : random.NextInt64(-(1L << 47), 1L << 47) >> random.Next(0, 30);
                int multiplier = k % 3 == 0 ? FixedPoint.MultiplierMax : random.Next(FixedPoint.MultiplierMin, FixedPoint.MultiplierMax + 1);
                int expected = FixedPoint.Requantize(x, multiplier, shift), actual = native.Requantize(x, multiplier, shift);
                cases++;
                if (expected != actual && mismatches++ == 0)
                {
                    first = $"x={x} multiplier={multiplier} shift={shift}: C {actual}, C# {expected}";
                }
            }
        }

        output.WriteLine($"{cases:N0} requantizations, {mismatches} mismatches");
        Assert.True(mismatches == 0, $"{mismatches} mismatches; first: {first}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BothLoadersGiveTheSameVerdictOnMutatedFiles(bool activity)
    {
        byte[] seedFile = Quantizer.Compile(activity ? TestNetworks.ActivityCircuit(3) : TestNetworks.Circuit(3), 16, out _);
        var r = new Random(11);
        var verdicts = new Dictionary<ModelStatus, int>();
        for (int i = 0; i < 100_000; i++)
        {
            byte[] mutant = Mutate(seedFile, r);
            ModelLoadResult managed = RmmqReader.Load(mutant);   // must not throw
            int cStatus = native.Load(mutant, (uint)mutant.Length, out int cOffset);
            Assert.True((int)managed.Status == cStatus, $"mutant {i}: C# says {managed}, C says status {cStatus} at byte {cOffset}");
            if (!managed.Ok)
            {
                Assert.Equal(managed.Offset, cOffset);
            }

            verdicts[managed.Status] = verdicts.GetValueOrDefault(managed.Status) + 1;
        }

        output.WriteLine(string.Join(", ", verdicts.OrderBy(v => v.Key).Select(v => $"{ModelLoadResult.StatusName(v.Key)}: {v.Value}")));
        Assert.True(verdicts.Count >= 6, "the mutations should reach many different checks");
    }

    /// <summary>
    /// Spike-activity banks exist from format version 2: the same bytes in a version-1 file are
    /// reserved, so both loaders reject it (never run a model the board would misread), and a file of
    /// an unknown newer version is refused as such.
    /// </summary>
    [Fact]
    public void AnActivityBankInAVersionOneFileIsRejectedByBothLoaders()
    {
        byte[] file = Quantizer.Compile(TestNetworks.ActivityCircuit(5), 16, out _);
        Assert.True(RmmqReader.Load(file).Ok);
        Assert.Equal(0, native.Load(file, (uint)file.Length, out _));
        foreach ((ushort version, ModelStatus expected) in new[] { ((ushort)1, ModelStatus.BadValue), ((ushort)3, ModelStatus.UnsupportedVersion) })
        {
            byte[] changed = (byte[])file.Clone();
            BitConverter.TryWriteBytes(changed.AsSpan(RmmqLayout.OffsetVersion), version);
            BitConverter.TryWriteBytes(changed.AsSpan(RmmqLayout.OffsetCrc), RmmqReader.ComputeCrc(changed));
            ModelLoadResult managed = RmmqReader.Load(changed);
            output.WriteLine($"version {version}: C# {managed}");
            Assert.Equal(expected, managed.Status);
            Assert.Equal((int)expected, native.Load(changed, (uint)changed.Length, out int offset));
            Assert.Equal(managed.Offset, offset);
        }
    }

    /// <summary>
    /// int16 weights are symmetric: the C kernel's plain path adds two products in 32 bits, which two
    /// −32768 × −32768 products would overflow, so both loaders refuse a −32768 weight at its byte.
    /// </summary>
    [Fact]
    public void ASixteenBitWeightOfMinus32768IsRefusedByBothLoaders()
    {
        byte[] file = Quantizer.Compile(TestNetworks.Circuit(5), 16, out _);
        int weights = Enumerable.Range(0, file[RmmqLayout.OffsetSectionCount]).Select(i => RmmqLayout.HeaderSize + RmmqLayout.DirectoryEntrySize * i)
            .Where(e => BitConverter.ToUInt16(file, e) == 6).Select(e => BitConverter.ToInt32(file, e + 4)).Single();
        int at = weights + 2 * 7;
        file[at] = 0x00;
        file[at + 1] = 0x80;
        BitConverter.TryWriteBytes(file.AsSpan(RmmqLayout.OffsetCrc), RmmqReader.ComputeCrc(file));
        ModelLoadResult managed = RmmqReader.Load(file);
        output.WriteLine($"C#: {managed}");
        Assert.Equal(ModelStatus.BadValue, managed.Status);
        Assert.Equal(at, managed.Offset);
        Assert.Equal((int)ModelStatus.BadValue, native.Load(file, (uint)file.Length, out int offset));
        Assert.Equal(at, offset);
        file[at + 1] = 0x80;
        file[at] = 0x01;                                    // −32767 is a weight like any other
        BitConverter.TryWriteBytes(file.AsSpan(RmmqLayout.OffsetCrc), RmmqReader.ComputeCrc(file));
        Assert.True(RmmqReader.Load(file).Ok);
        Assert.Equal(0, native.Load(file, (uint)file.Length, out _));
    }

    /// <summary>A few random edits, sometimes a truncation, and half the time a corrected CRC.</summary>
    internal static byte[] Mutate(byte[] seed, Random r)
    {
        byte[] m = r.Next(10) == 0 ? seed[..r.Next(seed.Length)] : (byte[])seed.Clone();
        int edits = 1 + r.Next(8);
        for (int e = 0; e < edits && m.Length > 0; e++)
        {
            int at = r.Next(m.Length);
            switch (r.Next(4))
            {
                case 0: m[at] ^= (byte)(1 << r.Next(8)); break;
                case 1: m[at] = (byte)r.Next(256); break;
                case 2: m[at] = r.Next(2) == 0 ? (byte)0xFF : (byte)0; break;
                default: if (at + 4 <= m.Length) { BitConverter.TryWriteBytes(m.AsSpan(at), r.Next()); } break;
            }
        }

        if (m.Length >= 16 && r.Next(2) == 0)
        {
            BitConverter.TryWriteBytes(m.AsSpan(RmmqLayout.OffsetCrc), RmmqReader.ComputeCrc(m));
        }

        return m;
    }
}
